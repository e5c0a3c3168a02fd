//! `release` at the size the web layer must handle: 10,000 people answering
//! for 12 quarters, the organisation, 40 departments and about 1,500 leaders'
//! trees nested up to six deep.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use foothold_domain::insight::{GroupKey, Quarter, Response, Rules, release};

const PEOPLE: usize = 10_000;
const LEADERS: usize = 1_500;
const DEPARTMENTS: usize = 40;
const QUARTERS: usize = 12;

/// xorshift64: the same organisation on every run and machine.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

struct Org {
    responses: Vec<Response>,
    groups: Vec<GroupKey>,
    quarters: Vec<Quarter>,
    first_conversation: HashMap<i64, Quarter>,
}

fn quarter(k: usize) -> Quarter {
    Quarter::new(2025 + (k / 4) as i32, (k % 4) as u8 + 1).expect("quarter")
}

/// Person 0 leads; people 1..LEADERS are leaders under an earlier leader at most
/// five deep, so that everyone else has up to six leaders above them.
fn org() -> Org {
    let mut rng = Rng(0x5eed_f00d_cafe_beef);
    let mut manager = vec![None; PEOPLE];
    let mut depth = vec![0usize; PEOPLE];
    for p in 1..PEOPLE {
        let m = loop {
            let m = rng.below(p.min(LEADERS));
            if depth[m] < 5 {
                break m;
            }
        };
        manager[p] = Some(m);
        depth[p] = depth[m] + 1;
    }
    let line = |mut p: usize| {
        let mut leaders = Vec::new();
        while let Some(m) = manager[p] {
            leaders.push(m as i64);
            p = m;
        }
        leaders
    };
    let mut responses = Vec::with_capacity(PEOPLE * QUARTERS);
    let mut first_conversation = HashMap::new();
    for p in 0..PEOPLE {
        let leaders = line(p);
        // A department per second-level unit, folded into 40.
        let head = leaders.len().checked_sub(2).map_or(p as i64, |i| leaders[i]);
        let department = Some(head % DEPARTMENTS as i64);
        if rng.below(10) < 6 {
            first_conversation.insert(p as i64, quarter(1 + rng.below(QUARTERS - 2)));
        }
        for k in 0..QUARTERS {
            let mut scores = [0u8; 5];
            scores.iter_mut().for_each(|s| *s = 1 + rng.below(5) as u8);
            responses.push(Response {
                id: (k * PEOPLE + p) as i64,
                person: p as i64,
                quarter: quarter(k),
                department,
                leaders: leaders.clone(),
                scores,
                enps: rng.below(11) as u8,
            });
        }
    }
    let mut groups = vec![GroupKey::Org];
    groups.extend((0..DEPARTMENTS as i64).map(GroupKey::Department));
    groups.extend((0..LEADERS as i64).map(GroupKey::Tree));
    Org { responses, groups, quarters: (0..QUARTERS).map(quarter).collect(), first_conversation }
}

fn bench(c: &mut Criterion) {
    let org = org();
    let decided = release(&org.responses, &org.groups, &org.quarters, &org.first_conversation, Rules::default());
    let (mut shown, mut few, mut apart) = (0, 0, 0);
    for (_, _, f) in decided.figures() {
        match f {
            Ok(_) => shown += 1,
            Err(foothold_domain::insight::Withheld::NotEnough) => few += 1,
            Err(_) => apart += 1,
        }
    }
    eprintln!("figures: {shown} shown, {few} too few people, {apart} withheld against differencing");

    let mut group = c.benchmark_group("insight");
    group.sample_size(20);
    group.bench_function("release 10k people x 12 quarters", |b| {
        b.iter(|| {
            release(
                black_box(&org.responses),
                black_box(&org.groups),
                black_box(&org.quarters),
                black_box(&org.first_conversation),
                Rules::default(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
