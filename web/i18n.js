// Interface text, Chinese first. `t(key, vars)` looks a key up in the current language.

const zh = {
  brand: "人社远程支撑",
  "login.title": "登录", "login.sub": "乡镇（街道）民生服务中心 · 专家远程支撑",
  "login.username": "用户名", "login.password": "密码", "login.submit": "登录", "login.busy": "正在登录…",
  "login.demo": "演示账号（密码均为 backstop）",
  logout: "退出",
  "conn.connecting": "正在连接…", "conn.connected": "已连接", "conn.reconnecting": "连接中断，正在重连…",
  "conn.offline": "网络已断开，恢复后自动重连", "conn.queued": "{n} 条消息待发送",
  "presence.label": "状态", "presence.on_duty": "值班中", "presence.online": "在线", "presence.away": "离开", "presence.offline": "离线",
  "clerk.new": "发起求助", "clerk.mine": "我的求助",
  "form.item": "服务事项", "form.kind": "问题类型", "form.difficulty": "难易程度", "form.title": "问题标题",
  "form.title.placeholder": "一句话说明问题，如：社保卡密码重置失败", "form.body": "详细描述",
  "form.body.placeholder": "群众情况、办理到哪一步、系统提示……", "form.file": "截图或材料（可选）", "form.submit": "提交求助", "form.busy": "正在提交…",
  "form.submitted": "求助已提交，正在为您联系值班专家",
  "kind.business": "业务办理", "kind.it_fault": "系统故障", "kind.policy": "政策咨询", "kind.approval": "审批业务",
  "tier.small": "小事", "tier.big": "大事", "tier.hard": "难事",
  "tier.hint": "小事不隔夜、大事不隔天、难事不隔周",
  "state.new": "待受理", "state.claimed": "处理中", "state.waiting": "待补充", "state.resolved": "已办结", "state.closed": "已关闭",
  "queue.new": "待受理", "queue.mine": "我处理的", "queue.empty": "暂无工单", "mine.empty": "还没有求助记录",
  "chat.placeholder": "选择左侧的工单开始对话", "chat.input": "输入消息，Enter 发送，Shift+Enter 换行",
  "chat.attach": "截图/附件", "chat.attach.hint": "可上传 PNG、JPEG、WebP 图片或 PDF，最大 5 MB",
  "chat.uploading": "正在上传…", "chat.image": "截图", "chat.file": "查看附件（PDF）",
  "error.unsupported_type": "只能上传 PNG、JPEG、WebP 图片或 PDF 文件",
  "chat.send": "发送", "chat.sending": "发送中", "chat.sent": "已送达", "chat.failed": "发送失败，点击重试",
  "chat.typing": "{name} 正在输入…", "chat.closed": "工单已关闭，如需继续请先重开",
  "chat.with": "对方：{name}（{status}）", "chat.unassigned": "等待专家认领",
  "chat.clerk": "经办人：{name}（{status}）", "chat.handler": "处理人：{name}（{status}）",
  "action.claim": "认领", "action.wait": "待补充", "action.resolve": "办结", "action.close": "关闭", "action.reopen": "重开",
  "action.confirm.resolve": "确认问题已解决并办结此工单？",
  "event.created": "{name} 发起了求助", "event.claimed": "{name} 认领了工单", "event.transferred": "{name} 将工单转派给 {body}",
  "event.waiting": "{name} 请经办人补充材料", "event.resumed": "经办人已补充，继续处理", "event.resolved": "{name} 已办结",
  "event.closed": "{name} 关闭了工单", "event.reopened": "{name} 重新打开了工单",
  "waited": "已等待 {d}", "waited.now": "刚刚提交", "unit.min": "{n} 分钟", "unit.hour": "{n} 小时", "unit.day": "{n} 天", "unit.now": "不到 1 分钟",
  "error.unauthenticated": "请先登录", "error.session_expired": "登录已过期，请重新登录",
  "error.bad_credentials": "用户名或密码不正确", "error.forbidden": "您没有权限进行此操作",
  "error.not_found": "工单不存在或不在您的管辖范围内", "error.invalid_input": "填写的内容有误：{message}",
  "error.too_long": "内容太长了，请精简后再发送", "error.invalid_state": "工单状态已变化，此操作不可用",
  "error.stale": "工单刚被他人处理，请刷新后再试", "error.too_large": "文件太大了，最大 5 MB",
  "error.internal": "服务器出错了，请稍后再试", "error.network": "网络不通，请检查网络后重试",
  "error.storage_unavailable": "系统暂时无法保存，刚才的内容没有保存，请稍后再试",
  "error.shutting_down": "系统正在重启，请稍后再试",
  "audit.open": "审计记录", "audit.back": "返回工单", "audit.title": "审计记录（本辖区）",
  "audit.actor": "操作人", "audit.unit": "单位代码", "audit.kind": "类型", "audit.from": "从", "audit.until": "到", "audit.all": "全部",
  "audit.search": "查询", "audit.more": "加载更多", "audit.csv": "导出 CSV", "audit.empty": "没有符合条件的记录",
  "audit.col.time": "时间", "audit.col.what": "类型", "audit.col.who": "操作人", "audit.col.subject": "对象",
  "audit.col.detail": "详情", "audit.col.address": "地址",
  "audit.kind.sign_in": "登录", "audit.kind.sign_in_failed": "登录失败", "audit.kind.token_issued": "签发令牌",
  "audit.kind.sign_out": "退出", "audit.kind.ticket_viewed": "查看工单", "audit.kind.ticket_transferred": "转派工单",
  "audit.kind.file_uploaded": "上传文件", "audit.kind.file_downloaded": "下载文件", "audit.kind.refused": "越权访问被拒", "audit.kind.rate_limited": "超出频率限制",
  "audit.kind.person_created": "新增人员", "audit.kind.person_disabled": "停用账号", "audit.kind.person_enabled": "启用账号",
  "audit.kind.person_unlocked": "解除锁定", "audit.kind.sessions_ended": "强制下线", "audit.kind.password_changed": "修改密码",
  "error.rate_limited": "尝试太频繁，请 {s} 秒后再试",
  "error.account_locked": "密码错误次数过多，账号已临时锁定，请 {s} 秒后再试，或联系管理员解锁",
  "notify.sound.on": "提示音：开", "notify.sound.off": "提示音：关", "notify.new": "新的求助",
  "notify.message": "{name} 发来消息",
  "chat.note_only.claim": "认领后才能回复经办人；现在可以写内部备注", "chat.note_only": "这里只能写内部备注",
  "chat.back": "‹ 返回列表",
  "chat.mode": "发送方式", "chat.mode.reply": "回复经办人", "chat.mode.note": "内部备注",
  "chat.note": "内部备注 · 经办人看不到", "chat.note.input": "内部备注，只有专家、督导、安全员能看到；Enter 保存",
  "chat.read_only": "您可以查看此工单，但不需要在这里回复", "chat.finished": "工单已办结或关闭，如需继续请先重开",
  "chat.request": "求助内容", "chat.request.empty": "（经办人没有填写详细描述）", "chat.retry": "重新发送",
  "role.clerk": "经办人", "role.expert": "专家", "role.supervisor": "督导", "role.officer": "安全员", "role.ops": "运维", "role.admin": "管理员",
  "action.transfer": "转派", "action.resume": "继续处理",
  "transfer.title": "转派工单 #{id}", "transfer.to": "转派给", "transfer.none": "没有其他能处理此工单的专家",
  "transfer.reason": "转派原因（可选）", "transfer.reason.placeholder": "如：需要市级系统权限",
  "transfer.confirm": "确认转派", "transfer.done": "已转派给 {name}", "dialog.cancel": "取消",
  "queue.open": "全部进行中", "queue.find": "查找", "queue.lists": "工单列表", "unread": "{n} 条未读",
  "find.q": "编号或关键词", "find.q.placeholder": "如 #128 或 社保卡", "find.unit": "单位", "find.unit.placeholder": "输入乡镇、县区名称",
  "find.item": "服务事项", "find.state": "状态", "find.handler": "处理人", "find.handler.placeholder": "专家姓名",
  "find.from": "提交日期从", "find.until": "到", "find.any": "不限", "find.submit": "查找", "find.more": "加载更多",
  "find.busy": "正在查找…", "find.count": "找到 {n} 条", "find.empty": "没有找到符合条件的工单",
  "chat.retrying": "暂未保存，{s} 秒后自动重发",
};

const en = {
  brand: "HR&SS Remote Support",
  "login.title": "Sign in", "login.sub": "Township service centres · expert remote support",
  "login.username": "Username", "login.password": "Password", "login.submit": "Sign in", "login.busy": "Signing in…",
  "login.demo": "Demo logins (password: backstop)",
  logout: "Sign out",
  "conn.connecting": "Connecting…", "conn.connected": "Connected", "conn.reconnecting": "Connection lost, reconnecting…",
  "conn.offline": "Offline — will reconnect when the network returns", "conn.queued": "{n} queued",
  "presence.label": "Status", "presence.on_duty": "On duty", "presence.online": "Online", "presence.away": "Away", "presence.offline": "Offline",
  "clerk.new": "Ask for help", "clerk.mine": "My requests",
  "form.item": "Service item", "form.kind": "Kind of problem", "form.difficulty": "Difficulty", "form.title": "Title",
  "form.title.placeholder": "One line, e.g. card password reset fails", "form.body": "Details",
  "form.body.placeholder": "The citizen's case, the step reached, the system's message…", "form.file": "Screenshot or document (optional)", "form.submit": "Send request",
  "form.busy": "Sending…", "form.submitted": "Request sent; the experts on duty are being told",
  "kind.business": "Business", "kind.it_fault": "System fault", "kind.policy": "Policy", "kind.approval": "Approval",
  "tier.small": "Small", "tier.big": "Big", "tier.hard": "Hard",
  "tier.hint": "Small: same day · big: within a day · hard: within a week",
  "state.new": "New", "state.claimed": "In progress", "state.waiting": "Waiting for clerk", "state.resolved": "Resolved", "state.closed": "Closed",
  "queue.new": "Unclaimed", "queue.mine": "Mine", "queue.empty": "Nothing here", "mine.empty": "No requests yet",
  "chat.placeholder": "Pick a ticket on the left to start", "chat.input": "Type a message; Enter sends, Shift+Enter for a new line",
  "chat.attach": "Attach", "chat.attach.hint": "PNG, JPEG or WebP pictures, or PDF, up to 5 MB",
  "chat.uploading": "Uploading…", "chat.image": "screenshot", "chat.file": "Open attachment (PDF)",
  "error.unsupported_type": "Only PNG, JPEG or WebP pictures and PDF files can be attached",
  "chat.send": "Send", "chat.sending": "Sending", "chat.sent": "Delivered", "chat.failed": "Not sent — click to retry",
  "chat.typing": "{name} is typing…", "chat.closed": "This ticket is closed; reopen it to continue",
  "chat.with": "With: {name} ({status})", "chat.unassigned": "Waiting for an expert",
  "chat.clerk": "Clerk: {name} ({status})", "chat.handler": "Handler: {name} ({status})",
  "action.claim": "Claim", "action.wait": "Ask clerk", "action.resolve": "Resolve", "action.close": "Close", "action.reopen": "Reopen",
  "action.confirm.resolve": "Resolve this ticket?",
  "event.created": "{name} asked for help", "event.claimed": "{name} claimed the ticket", "event.transferred": "{name} transferred it to {body}",
  "event.waiting": "{name} asked the clerk for more", "event.resumed": "The clerk answered; back in progress", "event.resolved": "{name} resolved it",
  "event.closed": "{name} closed it", "event.reopened": "{name} reopened it",
  "waited": "waiting {d}", "waited.now": "just now", "unit.min": "{n} min", "unit.hour": "{n} h", "unit.day": "{n} d", "unit.now": "under a minute",
  "error.unauthenticated": "Please sign in", "error.session_expired": "Your session expired; please sign in again",
  "error.bad_credentials": "Wrong username or password", "error.forbidden": "You may not do this",
  "error.not_found": "No such ticket in your jurisdiction", "error.invalid_input": "Please check: {message}",
  "error.too_long": "Too long; please shorten it", "error.invalid_state": "The ticket has moved on; this is not available",
  "error.stale": "Someone just changed this ticket; reload and retry", "error.too_large": "Too large",
  "error.internal": "Server error; please try again shortly", "error.network": "No network; check the connection and retry",
  "error.storage_unavailable": "The system cannot save right now; nothing was saved — please try again shortly",
  "error.shutting_down": "The system is restarting; please try again shortly",
  "audit.open": "Audit trail", "audit.back": "Back to tickets", "audit.title": "Audit trail (your area)",
  "audit.actor": "Who", "audit.unit": "Unit code", "audit.kind": "What", "audit.from": "From", "audit.until": "Until", "audit.all": "All",
  "audit.search": "Search", "audit.more": "More", "audit.csv": "Download CSV", "audit.empty": "Nothing matches",
  "audit.col.time": "Time", "audit.col.what": "What", "audit.col.who": "Who", "audit.col.subject": "On",
  "audit.col.detail": "Detail", "audit.col.address": "Address",
  "audit.kind.sign_in": "Sign-in", "audit.kind.sign_in_failed": "Failed sign-in", "audit.kind.token_issued": "Token issued",
  "audit.kind.sign_out": "Sign-out", "audit.kind.ticket_viewed": "Ticket viewed", "audit.kind.ticket_transferred": "Ticket transferred",
  "audit.kind.file_uploaded": "File uploaded", "audit.kind.file_downloaded": "File downloaded", "audit.kind.refused": "Refused access", "audit.kind.rate_limited": "Held back by a limit",
  "audit.kind.person_created": "Person added", "audit.kind.person_disabled": "Account disabled", "audit.kind.person_enabled": "Account enabled",
  "audit.kind.person_unlocked": "Account unlocked", "audit.kind.sessions_ended": "Signed out by admin", "audit.kind.password_changed": "Password changed",
  "error.rate_limited": "Too many attempts; try again in {s} s",
  "error.account_locked": "Too many wrong passwords: the account is locked; try again in {s} s or ask an administrator",
  "notify.sound.on": "Sound: on", "notify.sound.off": "Sound: off", "notify.new": "New request",
  "notify.message": "Message from {name}",
  "chat.note_only.claim": "Claim it to reply to the clerk; you can leave an internal note now", "chat.note_only": "Only internal notes here",
  "chat.back": "‹ Back to list",
  "chat.mode": "Send as", "chat.mode.reply": "Reply to clerk", "chat.mode.note": "Internal note",
  "chat.note": "Internal note · the clerk cannot see it", "chat.note.input": "Internal note for experts, supervisors and officers only; Enter saves",
  "chat.read_only": "You can follow this ticket; there is nothing for you to answer here", "chat.finished": "This ticket is resolved or closed; reopen it to continue",
  "chat.request": "The request", "chat.request.empty": "(no details given)", "chat.retry": "Send again",
  "role.clerk": "clerk", "role.expert": "expert", "role.supervisor": "supervisor", "role.officer": "security officer", "role.ops": "ops", "role.admin": "administrator",
  "action.transfer": "Transfer", "action.resume": "Resume",
  "transfer.title": "Transfer ticket #{id}", "transfer.to": "Transfer to", "transfer.none": "No other expert can take this ticket",
  "transfer.reason": "Reason (optional)", "transfer.reason.placeholder": "e.g. needs city-level system rights",
  "transfer.confirm": "Transfer", "transfer.done": "Transferred to {name}", "dialog.cancel": "Cancel",
  "queue.open": "All open", "queue.find": "Search", "queue.lists": "Ticket lists", "unread": "{n} unread",
  "find.q": "Number or words", "find.q.placeholder": "e.g. #128 or card", "find.unit": "Unit", "find.unit.placeholder": "Township or county name",
  "find.item": "Service item", "find.state": "State", "find.handler": "Handler", "find.handler.placeholder": "Expert's name",
  "find.from": "Raised from", "find.until": "to", "find.any": "Any", "find.submit": "Search", "find.more": "More",
  "find.busy": "Searching…", "find.count": "{n} found", "find.empty": "No ticket matches",
  "chat.retrying": "Not saved yet; sending again in {s} s",
};

const dictionaries = { zh, en };
let current = localStorage.getItem("backstop.lang") === "en" ? "en" : "zh";

export function lang() { return current; }

export function setLang(next) {
  current = next === "en" ? "en" : "zh";
  localStorage.setItem("backstop.lang", current);
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  applyStatic();
}

export function t(key, vars = {}) {
  const text = dictionaries[current][key] ?? zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** Fills every element carrying data-i18n (and data-i18n-placeholder) in the page. */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
}

/** What a user is told about an API or socket error. */
export function errorText(err) {
  const key = `error.${err?.code}`;
  const vars = { message: err.message ?? "", s: err.retryAfter || 1 };
  return dictionaries[current][key] ? t(key, vars) : (err?.message || t("error.internal"));
}
