//! The in-process bus: publishing hands the events to every subscriber at once, on the
//! publisher's task, so that the order of commits is the order of delivery.

use super::{Bus, Event};
use std::sync::{Arc, RwLock};

pub type Subscriber<V> = Arc<dyn Fn(&[Event<V>]) + Send + Sync>;

pub struct LocalBus<V> {
    subscribers: RwLock<Vec<Subscriber<V>>>,
}

impl<V> Default for LocalBus<V> {
    fn default() -> Self {
        Self {
            subscribers: RwLock::new(Vec::new()),
        }
    }
}

impl<V> LocalBus<V> {
    pub fn subscribe(&self, subscriber: Subscriber<V>) {
        self.subscribers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(subscriber);
    }
}

impl<V: Send + Sync> Bus<V> for LocalBus<V> {
    fn publish(&self, events: Vec<Event<V>>) {
        if events.is_empty() {
            return;
        }
        let subscribers = self.subscribers.read().unwrap_or_else(|p| p.into_inner());
        for s in subscribers.iter() {
            s(&events);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{everyone, Payload, Topic};
    use std::sync::Mutex;

    #[test]
    fn subscribers_see_events_in_publication_order() {
        let bus = LocalBus::<()>::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        bus.subscribe(Arc::new(move |events: &[Event<()>]| {
            s.lock()
                .unwrap()
                .extend(events.iter().filter_map(|e| e.seq));
        }));
        let event = |seq| {
            Event::new(Topic::new("t/1"), everyone(), Payload::Frame("{}".into())).ordered(seq)
        };
        bus.publish(vec![event(1), event(2)]);
        bus.publish(vec![event(3)]);
        assert_eq!(*seen.lock().unwrap(), vec![1, 2, 3]);
    }
}
