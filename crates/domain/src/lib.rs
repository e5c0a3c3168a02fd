//! Foothold's domain: the rules of the practice, free of HTTP and SQL.
//!
//! Everything here is pure so that it can be unit-tested and fuzzed without a
//! database, and so that the storage and web layers cannot disagree about a rule.

pub mod audit;
pub mod calendar;
pub mod conversation;
pub mod dates;
pub mod email;
pub mod engagement;
#[doc(hidden)]
pub mod fuzzing;
pub mod guide;
pub mod import;
pub mod insight;
pub mod notice;
pub mod person;
pub mod plan;
pub mod policy;
pub mod question_import;
pub mod reminder;
pub mod wall;

pub use email::Email;
pub use person::{PersonName, Role, Text};
