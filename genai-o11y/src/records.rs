//! How many memory records an operation touched (`gen_ai.memory.record.count`), read from its
//! return value when the type says: a collection of records, or a count.

/// A value that says how many memory records an operation touched: `Vec<T>`, `[T]` (the records
/// returned) and `usize`, `u64`, `u32` (a count), and `Option`s and references of those.
pub trait RecordCount {
    /// The number of records.
    fn record_count(&self) -> u64;
}

impl<T> RecordCount for [T] {
    fn record_count(&self) -> u64 {
        self.len() as u64
    }
}
impl<T> RecordCount for Vec<T> {
    fn record_count(&self) -> u64 {
        self.len() as u64
    }
}
impl RecordCount for usize {
    fn record_count(&self) -> u64 {
        *self as u64
    }
}
impl RecordCount for u64 {
    fn record_count(&self) -> u64 {
        *self
    }
}
impl RecordCount for u32 {
    fn record_count(&self) -> u64 {
        u64::from(*self)
    }
}
impl<T: RecordCount + ?Sized> RecordCount for &T {
    fn record_count(&self) -> u64 {
        (**self).record_count()
    }
}
impl<T: RecordCount> RecordCount for Option<T> {
    fn record_count(&self) -> u64 {
        self.as_ref().map_or(0, RecordCount::record_count)
    }
}

/// The return types a memory operation reads its record count from: `T: RecordCount` and
/// `Result<T: RecordCount, E>`.
pub trait ReportsRecordCount {
    /// The count, `None` for an `Err`.
    fn reported_record_count(&self) -> Option<u64>;
}
impl<T: RecordCount> ReportsRecordCount for T {
    fn reported_record_count(&self) -> Option<u64> {
        Some(self.record_count())
    }
}
impl<T: RecordCount, E> ReportsRecordCount for Result<T, E> {
    fn reported_record_count(&self) -> Option<u64> {
        self.as_ref().ok().map(RecordCount::record_count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(vec![1, 2, 3].record_count(), 3);
        assert_eq!(Some(7usize).record_count(), 7);
        let ok: Result<Vec<u8>, ()> = Ok(vec![1]);
        assert_eq!(ok.reported_record_count(), Some(1));
        let err: Result<Vec<u8>, ()> = Err(());
        assert_eq!(err.reported_record_count(), None);
    }
}
