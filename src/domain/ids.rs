//! Typed IDs, so that one kind of ID can never be passed where another is expected.
use serde::{Deserialize, Serialize};

macro_rules! typed_id {
    ($name:ident, $inner:ty) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

typed_id!(HallId, i32);
typed_id!(ServiceId, i32);
typed_id!(WindowId, i32);
typed_id!(TicketId, i64);
typed_id!(UserId, i32);
