//! The four-clause workload, generated deterministically: case `i` is drawn from SplitMix64
//! seeded with `i`, so any slice of the workload can be rebuilt alone. Amounts are whole fen (`fen(250_000)` is 2500.00),
//! areas whole hundredths of a m2, and a rental project has 1 to 200 unit types.
//!
//! The cases cycle through four subjects, one clause each:
//! - `building_project`: `warranty-deposit` (deductions, incentive window, guard, rounding);
//! - `tenant`: `arh-rent-cap` (80% of the market rent, the cap reported rounded down);
//! - `rental_project`: `arh-unit-size` (the unit mix over every unit type, and its share);
//! - `rural_housing`: `rural-prefab-subsidy` (200 CNY/m2, rounded half away from zero).
//!
//! Shared by the benchmark (`benches/engine`) and the tests (`tests/batch.rs`).
#![allow(dead_code)]

use std::fmt::Write as _;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The clauses of the workload, by subject and clause id.
pub const CLAUSES: [(&str, &str); 4] = [
    ("building_project", "warranty-deposit"),
    ("tenant", "arh-rent-cap"),
    ("rental_project", "arh-unit-size"),
    ("rural_housing", "rural-prefab-subsidy"),
];

/// The workload's clauses in `book`.
pub fn clauses(book: &policy_calc::Rulebook) -> policy_calc::eval::ClauseSet {
    book.select(|c| {
        let subject = book.schema.subjects[c.subject as usize].name.as_str();
        CLAUSES.contains(&(subject, c.id.as_str()))
    })
}

/// The evaluation date of every case: all three documents are in force.
pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 3, 1).expect("a real date")
}

/// SplitMix64 (Steele, Lea and Flood 2014): a stream of well-mixed 64-bit numbers.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    Residential,
    Public,
    Industrial,
    Venue,
}

impl Use {
    fn name(self) -> &'static str {
        match self {
            Use::Residential => "residential",
            Use::Public => "public",
            Use::Industrial => "industrial",
            Use::Venue => "venue",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Building {
    pub use_: Use,
    pub prefab: bool,
    pub steel: bool,
    pub prefab_decoration: bool,
    pub decoration_insurance: bool,
    pub planning_conditions_date: NaiveDate,
    pub approval_date: NaiveDate,
    pub installation_cost: Decimal,
    pub prefab_component_cost: Decimal,
    pub decoration_cost: Decimal,
}

#[derive(Clone, Debug)]
pub struct Tenant {
    pub rent: Decimal,
    pub market_rent: Decimal,
}

#[derive(Clone, Debug)]
pub struct Unit {
    pub area: Decimal,
    pub count: Decimal,
    pub rent: Decimal,
    pub market_rent: Decimal,
}

#[derive(Clone, Debug)]
pub struct Rental {
    pub dormitory: bool,
    pub units: Vec<Unit>,
}

#[derive(Clone, Debug)]
pub struct Rural {
    pub new: bool,
    pub prefab: bool,
    pub steel: bool,
    pub whole_village: bool,
    pub floor_area: Decimal,
}

#[derive(Clone, Debug)]
pub enum Case {
    Building(Building),
    Tenant(Tenant),
    Rental(Rental),
    Rural(Rural),
}

fn fen(x: i64) -> Decimal {
    Decimal::new(x, 2)
}

/// A rent and the market rent it is held against: within 40% below to 10% above 80% of it.
fn rents(g: &mut SplitMix64) -> (Decimal, Decimal) {
    let market = g.range(100_000, 500_000);
    let rent = market * g.range(60, 90) / 100 + g.range(0, 99);
    (fen(rent), fen(market))
}

/// Case `i` of the workload.
pub fn case(i: u64) -> Case {
    let mut g = SplitMix64::new(SplitMix64::new(i).next());
    match i % 4 {
        0 => {
            let use_ = match g.range(0, 9) {
                0 => Use::Public,
                1 => Use::Industrial,
                2 => Use::Venue,
                _ => Use::Residential,
            };
            let installation = g.range(100_000_000, 50_000_000_000);
            let start = NaiveDate::from_ymd_opt(2020, 6, 1).expect("a real date");
            Case::Building(Building {
                use_,
                prefab: g.chance(60),
                steel: g.chance(50),
                prefab_decoration: g.chance(30),
                decoration_insurance: g.chance(30),
                planning_conditions_date: start + chrono::Days::new(g.range(0, 900) as u64),
                approval_date: start + chrono::Days::new(g.range(0, 900) as u64),
                installation_cost: fen(installation),
                // At most 30% and 20% of the installation: the base never falls below zero.
                prefab_component_cost: fen(installation / 100 * g.range(0, 30)),
                decoration_cost: fen(installation / 100 * g.range(0, 20)),
            })
        }
        1 => {
            let (rent, market_rent) = rents(&mut g);
            Case::Tenant(Tenant { rent, market_rent })
        }
        2 => {
            let dormitory = g.chance(20);
            let n = g.range(1, 200);
            let units = (0..n)
                .map(|_| {
                    let area = match (dormitory, g.chance(90)) {
                        (true, true) => g.range(2_000, 5_000),
                        (true, false) => g.range(5_000, 6_000),
                        (false, true) => g.range(3_000, 7_000),
                        (false, false) => g.range(7_000, 9_500),
                    };
                    let (rent, market_rent) = rents(&mut g);
                    Unit {
                        area: fen(area),
                        count: Decimal::from(g.range(1, 50)),
                        rent,
                        market_rent,
                    }
                })
                .collect();
            Case::Rental(Rental { dormitory, units })
        }
        _ => Case::Rural(Rural {
            new: g.chance(90),
            prefab: g.chance(70),
            steel: g.chance(50),
            whole_village: g.chance(30),
            floor_area: fen(g.range(8_000, 40_000)),
        }),
    }
}

impl Case {
    /// The case as one line of JSON, as `policy-calc check --batch` reads it.
    pub fn to_json(&self, as_of: NaiveDate) -> String {
        let mut s = format!("{{\"as_of\":\"{as_of}\",");
        match self {
            Case::Building(b) => {
                let _ = write!(
                    s,
                    "\"building_project\":{{\"use\":\"{}\",\"prefab\":{},\"structure\":\"{}\",\"prefab_decoration\":{},\
                     \"decoration_insurance\":{},\"planning_conditions_date\":\"{}\",\"approval_date\":\"{}\",\"installation_cost\":{},\
                     \"prefab_component_cost\":{},\"decoration_cost\":{}}}",
                    b.use_.name(),
                    b.prefab,
                    if b.steel { "steel" } else { "concrete" },
                    b.prefab_decoration,
                    b.decoration_insurance,
                    b.planning_conditions_date,
                    b.approval_date,
                    b.installation_cost,
                    b.prefab_component_cost,
                    b.decoration_cost
                );
            }
            Case::Tenant(t) => {
                let _ = write!(
                    s,
                    "\"tenant\":{{\"rent\":{},\"market_rent\":{}}}",
                    t.rent, t.market_rent
                );
            }
            Case::Rental(r) => {
                let _ = write!(
                    s,
                    "\"rental_project\":{{\"kind\":\"{}\",\"units\":[",
                    if r.dormitory {
                        "dormitory"
                    } else {
                        "residential"
                    }
                );
                for (i, u) in r.units.iter().enumerate() {
                    let _ = write!(
                        s,
                        "{}{{\"area\":{},\"count\":{},\"rent\":{},\"market_rent\":{}}}",
                        if i > 0 { "," } else { "" },
                        u.area,
                        u.count,
                        u.rent,
                        u.market_rent
                    );
                }
                s.push_str("]}");
            }
            Case::Rural(r) => {
                let _ = write!(
                    s,
                    "\"rural_housing\":{{\"new\":{},\"prefab\":{},\"structure\":\"{}\",\"whole_village\":{},\"floor_area\":{}}}",
                    r.new,
                    r.prefab,
                    if r.steel { "steel" } else { "concrete" },
                    r.whole_village,
                    r.floor_area
                );
            }
        }
        s.push('}');
        s
    }
}
