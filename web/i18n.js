// Interface text, Chinese built in, English loaded when chosen (lang-en.js). `t(key, vars)`
// looks a key up in the current language.

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
  "chat.clerk": "经办人：{name}（{status}）", "chat.handler": "处理人：{name}（{status}）", "chat.handler.me": "处理人：我",
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
  "audit.kind.person_changed": "变更角色或单位", "audit.kind.group_created": "新增专家组", "audit.kind.group_changed": "修改专家组",
  "error.rate_limited": "尝试太频繁，请 {s} 秒后再试",
  "error.account_locked": "密码错误次数过多，账号已临时锁定，请 {s} 秒后再试，或联系管理员解锁",
  "notify.sound.on": "提示音：开", "notify.sound.off": "提示音：关", "notify.new": "新的求助",
  "notify.message": "{name} 发来消息",
  "chat.note_only.claim": "认领后才能回复经办人；现在可以写内部备注", "chat.note_only": "这里只能写内部备注",
  "chat.back": "‹ 返回列表", "chat.close_tab": "关闭工单 #{id} 的对话", "chat.open_tabs": "已打开的对话",
  "chat.mode": "发送方式", "chat.mode.reply": "回复经办人", "chat.mode.note": "内部备注",
  "chat.note": "内部备注 · 经办人看不到", "chat.note.input": "内部备注，只有专家、督导、安全员能看到；Enter 保存",
  "chat.read_only": "您可以查看此工单，但不需要在这里回复", "chat.finished": "工单已办结或关闭，如需继续请先重开",
  "chat.request": "求助内容", "chat.request.empty": "（经办人没有填写详细描述）", "chat.retry": "重新发送",
  "role.clerk": "经办人", "role.expert": "专家", "role.supervisor": "督导", "role.officer": "安全员", "role.ops": "运维", "role.admin": "管理员",
  "action.transfer": "转派", "action.resume": "继续处理",
  "transfer.title": "转派工单 #{id}", "transfer.to": "转派给", "transfer.none": "没有其他能处理此工单的专家",
  "transfer.reason": "转派原因（可选）", "transfer.reason.placeholder": "如：需要市级系统权限",
  "transfer.confirm": "确认转派", "transfer.groups": "或退回专家组的待受理队列", "transfer.group.meta": "{unit} · {n} 位专家", "transfer.done": "已转派给 {name}", "dialog.cancel": "取消",
  "queue.open": "全部进行中", "queue.waiting": "待补充", "queue.find": "查找", "queue.lists": "工单列表", "unread": "{n} 条未读",
  "find.q": "编号或关键词", "find.q.placeholder": "如 #128 或 社保卡", "find.unit": "单位", "find.unit.placeholder": "输入乡镇、县区名称",
  "find.item": "服务事项", "find.state": "状态", "find.handler": "处理人", "find.handler.placeholder": "专家姓名",
  "find.from": "提交日期从", "find.until": "到", "find.any": "不限", "find.submit": "查找", "find.more": "加载更多",
  "find.busy": "正在查找…", "find.count": "找到 {n} 条", "find.empty": "没有找到符合条件的工单",
  "people.open": "人员管理", "people.title": "人员管理（本辖区）", "people.q": "姓名或用户名", "people.q.placeholder": "如 马小兰 或 clerk.dawan",
  "people.add": "新增人员", "people.import": "导入 CSV", "people.template": "下载模板",
  "people.import.hint": "用表格软件按模板填写后另存为 CSV（UTF-8）；整个文件逐行检查，有一行不对就全部不导入。密码留空则自动生成。",
  "people.importing": "正在检查并导入…", "people.imported": "已导入 {n} 人", "people.refused": "文件未导入，请改正以下各行后重新导入：",
  "people.generated": "自动生成的初始密码（只显示这一次，请转交本人）", "people.generated.one": "已新增 {username}，初始密码：{password}（只显示这一次）",
  "people.line": "第 {n} 行", "people.empty": "没有符合条件的人员", "people.done": "已保存",
  "people.col.name": "姓名", "people.col.username": "用户名", "people.col.role": "角色", "people.col.unit": "单位",
  "people.col.group": "专家组", "people.col.state": "状态", "people.col.actions": "操作",
  "people.active": "正常", "people.disabled": "已停用", "people.locked": "已锁定",
  "people.change": "修改", "people.password": "重置密码", "people.enable": "启用", "people.disable": "停用", "people.unlock": "解锁", "people.sign_out": "强制下线",
  "people.disable.confirm": "停用 {name} 的账号？停用后立即下线，不能再登录。",
  "people.change.title": "修改 {name}", "people.change.hint": "保存后此人会被要求重新登录，按新的角色和单位使用。", "people.no_group": "（无）",
  "people.password.title": "重置 {name} 的密码", "people.password.new": "新密码", "people.password.initial": "初始密码（留空自动生成）",
  "people.password.hint": "至少 8 位、4 种以上不同字符，不能包含用户名；保存后此人立即下线。", "dialog.ok": "保存",
  "replies.open": "常用回复", "replies.title": "本组常用回复（在输入框中输入 / 和快捷词即可插入）", "replies.insert": "插入", "replies.remove": "删除",
  "replies.empty": "本组还没有常用回复", "replies.add": "新增常用回复", "replies.shortcut": "快捷词", "replies.shortcut.placeholder": "如 证件",
  "replies.name": "标题", "replies.body": "回复内容", "replies.save": "添加", "dialog.close": "关闭",
  "groups.title": "专家组", "groups.add": "新增专家组", "groups.change": "修改 {name}",
  "groups.col.name": "名称", "groups.col.code": "代码", "groups.col.unit": "所属单位", "groups.col.answers": "负责的业务", "groups.col.actions": "操作",
  "people.reason.bad_csv": "不是有效的 CSV 格式", "people.reason.bad_header": "第一行必须是：username,name,role,unit,group,password",
  "people.reason.too_many": "一次最多导入 500 人，请分成几个文件", "people.reason.field_count": "列数不对，应为 6 列",
  "people.reason.empty_file": "文件里没有人员", "people.reason.bad_username": "用户名只能是 3–32 位小写字母、数字和 . _ -",
  "people.reason.duplicate_in_file": "用户名在文件中重复", "people.reason.username_taken": "用户名已被使用",
  "people.reason.empty_name": "姓名不能为空", "people.reason.bad_name": "姓名不合规", "people.reason.unknown_role": "角色不对，应为 clerk、expert、supervisor、officer、ops 或 admin",
  "people.reason.unknown_unit": "单位代码不存在或不在本辖区", "people.reason.group_required": "专家必须填写专家组",
  "people.reason.unknown_group": "专家组代码不存在", "people.reason.group_not_allowed": "只有专家才填写专家组",
  "people.reason.role_not_allowed": "督导只能添加经办人和专家，其他角色请联系管理员", "people.reason.weak_password": "密码太弱：至少 8 位、4 种不同字符，不能包含用户名或使用常见密码",
  "chat.retrying": "暂未保存，{s} 秒后自动重发",
  "clerk.new.open": "＋ 发起新的求助", "form.cancel": "取消",
  "suggest.title": "可能有帮助的答案", "suggest.article": "知识库", "suggest.ticket": "已办结",
  "suggest.answer": "答案", "suggest.solved": "已解决，不用提问了", "suggest.not_solved": "没解决，继续提问",
  "suggest.thanks": "好的，问题已解决，本次不再提交求助",
  "knowledge.open": "知识库", "knowledge.title": "知识库（全区共享）", "knowledge.q": "搜索问题或答案",
  "knowledge.q.placeholder": "如 社保卡密码、4050 补贴", "knowledge.search": "搜索", "knowledge.new": "写一条答案",
  "knowledge.empty": "没有找到相关的答案", "knowledge.newest": "最新写入的答案", "knowledge.no_item": "通用",
  "knowledge.helped": "帮助 {n} 次", "knowledge.from_ticket": "来自工单 #{id}",
  "knowledge.change": "修改", "knowledge.remove": "删除", "knowledge.remove.confirm": "删除这条答案？删除后经办人将看不到它。",
  "knowledge.removed": "已删除", "knowledge.saved": "已保存", "knowledge.gone": "这条答案已被删除",
  "knowledge.write_ticket": "写入知识库", "knowledge.dialog.ticket": "把工单 #{id} 写入知识库",
  "knowledge.dialog.new": "写一条知识库答案", "knowledge.dialog.change": "修改答案",
  "knowledge.question": "问题", "knowledge.answer": "答案", "knowledge.item": "服务事项", "knowledge.save": "保存",
  "knowledge.written": "已写入知识库，经办人提问时会看到它",
  "audit.kind.article_written": "写入知识库", "audit.kind.article_changed": "修改知识库答案", "audit.kind.article_removed": "删除知识库答案",
  "action.refer": "转后台", "action.rate": "评价",
  "flag.unhandled": "不办", "flag.late": "迟办", "flag.dragging": "拖办", "flag.stuck": "卡壳",
  "flag.unhandled.hint": "超过响应时限仍无人受理", "flag.late.hint": "超过办结时限仍未办结",
  "flag.dragging.hint": "处理人长时间没有任何处理", "flag.stuck.hint": "多次重开、多次转派或后台处理过久",
  "flag.since": "已 {d}",
  "sla.over": "已超时", "sla.paused": "等待补充，暂停计时", "sla.left": "剩 {d} 办结", "sla.due": "办结期限 {time}",
  "sla.backoffice": "后台处理中",
  "event.referred": "{name} 转后台处理", "event.flagged": "系统标记「{flag}」：{hint}",
  "event.escalated.handler": "督办提醒（{flag}）已发给处理人 {who}", "event.escalated.queue": "督办提醒（{flag}）：已提醒待受理队列",
  "event.escalated.unit": "督办提醒（{flag}）已上报{unit}：{who}", "escalated.nobody": "该级暂无主管，继续上报",
  "event.rated": "{name} 评价：{score}",
  "score.good": "好评", "score.neutral": "中评", "score.bad": "差评",
  "rate.title": "评价本次帮助", "rate.comment": "意见（选填）", "rate.comment.placeholder": "哪里好、哪里需要改进",
  "rate.submit": "提交评价", "rate.thanks": "感谢您的评价",
  "notice.escalated": "督办提醒：#{id} {title}",
  "board.open": "督办看板", "board.title": "督办看板", "board.title.unit": "督办看板 · {unit}", "board.trail": "所在层级",
  "board.csv": "导出 CSV", "board.col.unit": "单位", "board.col.open": "在办", "board.col.unhandled": "不办",
  "board.col.late": "迟办（超时）", "board.col.dragging": "拖办", "board.col.stuck": "卡壳",
  "board.col.good": "好评", "board.col.neutral": "中评", "board.col.bad": "差评", "board.col.expert": "专家",
  "board.col.rate": "好评率", "board.own": "{unit}（本级）", "board.total": "合计",
  "board.tickets": "需督办的求助（最早的在前）", "board.tickets.empty": "辖区内没有不办、迟办、拖办、卡壳的求助",
  "board.reviews": "差评复核", "board.reviews.empty": "没有待复核的差评",
  "board.review.meta": "经办人 {clerk} · 处理专家 {expert} · {at}（{d}前）", "board.review.close": "复核完毕",
  "board.review.outcome": "复核结果（如：已约谈专家，重新答复）", "board.review.closed": "已记录复核结果",
  "board.experts": "专家满意度",
};



const dictionaries = { zh, en: null };
let current = localStorage.getItem("backstop.lang") === "en" ? "en" : "zh";

/** Loads the chosen language's text (Chinese is built in); call before the first `t`. */
export async function loadLang() {
  if (current === "en" && !dictionaries.en) dictionaries.en = (await import("./lang-en.js")).en;
}

export function lang() { return current; }

export function setLang(next) {
  current = next === "en" ? "en" : "zh";
  localStorage.setItem("backstop.lang", current);
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  applyStatic();
}

export function t(key, vars = {}) {
  const text = dictionaries[current]?.[key] ?? zh[key] ?? key;
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
  return (dictionaries[current] ?? zh)[key] ? t(key, vars) : (err?.message || t("error.internal"));
}
