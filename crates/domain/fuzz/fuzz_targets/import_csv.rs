//! Feeds arbitrary bytes to the CSV importer: it must never panic, and an
//! accepted plan must be insertable in order.

#![no_main]

use std::collections::HashSet;

use foothold_domain::Email;
use foothold_domain::import::{ExistingPerson, plan_import};
use libfuzzer_sys::fuzz_target;

fn email(s: &str) -> Email {
    Email::parse(s).expect("valid fixture address")
}

fuzz_target!(|data: &[u8]| {
    // A few existing people, including a loop, so that manager lookups and
    // cycle detection through Foothold's data are exercised too.
    let existing = [
        ExistingPerson {
            email: email("a@x.org"),
            manager: Some(email("c@x.org")),
        },
        ExistingPerson {
            email: email("c@x.org"),
            manager: Some(email("a@x.org")),
        },
        ExistingPerson {
            email: email("d@x.org"),
            manager: None,
        },
    ];
    match plan_import(data, &existing) {
        Ok(rows) => {
            assert!(!rows.is_empty());
            let mut placed: HashSet<&Email> = existing.iter().map(|p| &p.email).collect();
            let mut in_file = HashSet::new();
            for row in &rows {
                assert!(in_file.insert(&row.email), "duplicate {}", row.email);
                if let Some(m) = &row.manager {
                    assert!(
                        placed.contains(m),
                        "manager {m} not placed before {}",
                        row.email
                    );
                    assert_ne!(m, &row.email);
                }
                placed.insert(&row.email);
            }
        }
        Err(errors) => assert!(!errors.is_empty()),
    }
});
