//! A value made current on this thread until a guard drops: the agent/rollup scope
//! (`scope.rs`) and the attribution (`attribution/current.rs`) each have one slot.

use std::cell::RefCell;
use std::sync::Arc;
use std::thread::LocalKey;

/// A thread-local slot: declare it with `thread_local! { static S: Slot<T> = const { RefCell::new(None) }; }`.
pub(crate) type Slot<T> = RefCell<Option<Arc<T>>>;

/// The value current in `slot` on this thread (none while the thread is being torn down).
pub(crate) fn get<T>(slot: &'static LocalKey<Slot<T>>) -> Option<Arc<T>> {
    slot.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// Makes a value current in a slot until dropped, then restores the previous one (a no-op for
/// `None`).
pub(crate) struct SlotGuard<T: 'static> {
    slot: &'static LocalKey<Slot<T>>,
    previous: Option<Option<Arc<T>>>,
}

impl<T> SlotGuard<T> {
    pub(crate) fn enter(slot: &'static LocalKey<Slot<T>>, value: Option<&Arc<T>>) -> Self {
        let previous = value.and_then(|v| slot.try_with(|c| c.borrow_mut().replace(v.clone())).ok());
        SlotGuard { slot, previous }
    }
}

impl<T> Drop for SlotGuard<T> {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            let _ = self.slot.try_with(|c| *c.borrow_mut() = previous);
        }
    }
}
