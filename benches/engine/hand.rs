//! The four clauses of the workload written by hand in Rust with rust_decimal: the limit the
//! engine is measured against. It computes what the engine's compact report holds for these
//! clauses (outcome, amount as reported, values as reported), with the same exact arithmetic
//! and rounding, and checks the documents' windows as the engine does.
#![allow(dead_code)]

use chrono::NaiveDate;
use policy_calc::report::Outcome;
use rust_decimal::{Decimal, RoundingStrategy};

use super::workload::{Building, Case, Rental, Rural, Tenant, Use};

/// The constants of the gazette, built once.
pub struct Hand {
    kq14_from: NaiveDate,
    kq14_until: NaiveDate,
    kq15_from: NaiveDate,
    incentive_after: NaiveDate,
    warranty_rate: Decimal,
    rent_share: Decimal,
    small_unit_area: Decimal,
    small_unit_share: Decimal,
    family_unit_area: Decimal,
    dormitory_unit_area: Decimal,
    rural_subsidy_rate: Decimal,
}

/// One clause's result: what the engine's compact report gives for it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Out {
    pub outcome: Option<Outcome>,
    pub amount: Option<Decimal>,
    pub values: Vec<Decimal>,
}

/// Money paid: to the fen, half away from zero, always two decimals.
fn paid(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    if r.scale() < 2 {
        r.rescale(2);
    }
    r
}

/// A cap: down to the fen, always two decimals.
fn cap(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::ToNegativeInfinity);
    if r.scale() < 2 {
        r.rescale(2);
    }
    r
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

impl Default for Hand {
    fn default() -> Hand {
        Hand {
            kq14_from: date(2022, 6, 19),
            kq14_until: date(2025, 12, 31),
            kq15_from: date(2022, 6, 24),
            incentive_after: date(2021, 1, 27),
            warranty_rate: Decimal::new(2, 2),
            rent_share: Decimal::new(8, 1),
            small_unit_area: Decimal::from(70),
            small_unit_share: Decimal::new(8, 1),
            family_unit_area: Decimal::from(90),
            dormitory_unit_area: Decimal::from(50),
            rural_subsidy_rate: Decimal::from(200),
        }
    }
}

impl Hand {
    /// Evaluates the workload clause of `case` into `out`; `Err` for a negative deposit base.
    pub fn evaluate(
        &self,
        case: &Case,
        as_of: NaiveDate,
        out: &mut Out,
    ) -> Result<(), &'static str> {
        out.outcome = None;
        out.amount = None;
        out.values.clear();
        let kq14 = self.kq14_from <= as_of && as_of <= self.kq14_until;
        let kq15 = self.kq15_from <= as_of;
        match case {
            Case::Building(b) if kq14 => self.warranty_deposit(b, out),
            Case::Tenant(t) if kq15 => self.rent_cap(t, out),
            Case::Rental(r) if kq15 => self.unit_size(r, out),
            Case::Rural(r) if kq14 => self.rural_subsidy(r, out),
            _ => out.outcome = Some(Outcome::NotInForce),
        }
        if out.outcome.is_none() {
            return Err("the deductions exceed installation_cost");
        }
        Ok(())
    }

    fn warranty_deposit(&self, b: &Building, out: &mut Out) {
        // Planning conditions or project approval after 2021-01-27: either one.
        let window = b.planning_conditions_date > self.incentive_after
            || b.approval_date > self.incentive_after;
        let residential = b.use_ == Use::Residential;
        let counts_as_prefab = b.prefab && !matches!(b.use_, Use::Venue | Use::Industrial);
        let mut base = b.installation_cost;
        if residential && b.prefab && b.steel && window {
            base -= b.prefab_component_cost;
        }
        if counts_as_prefab && (b.prefab_decoration || b.decoration_insurance) && window {
            base -= b.decoration_cost;
        }
        if base < Decimal::ZERO {
            return;
        }
        if !residential {
            out.outcome = Some(Outcome::NotApplicable);
            return;
        }
        out.outcome = Some(Outcome::Computed);
        out.amount = Some(paid(base * self.warranty_rate));
        let mut shown = base;
        if shown.scale() <= 2 {
            shown.rescale(2);
        }
        out.values.push(shown);
    }

    fn rent_cap(&self, t: &Tenant, out: &mut Out) {
        let limit = self.rent_share * t.market_rent;
        out.outcome = Some(if t.rent <= limit {
            Outcome::Compliant
        } else {
            Outcome::NonCompliant
        });
        out.values.push(cap(limit));
    }

    fn unit_size(&self, r: &Rental, out: &mut Out) {
        let mut all_family = true;
        let mut all_dormitory = true;
        let mut small = Decimal::ZERO;
        let mut total = Decimal::ZERO;
        for u in &r.units {
            all_family &= u.area <= self.family_unit_area;
            all_dormitory &= u.area <= self.dormitory_unit_area;
            if u.area <= self.small_unit_area {
                small += u.count;
            }
            total += u.count;
        }
        let ok = if r.dormitory {
            all_dormitory
        } else {
            all_family && small >= self.small_unit_share * total
        };
        out.outcome = Some(if ok {
            Outcome::Compliant
        } else {
            Outcome::NonCompliant
        });
        out.values.push((small / total).normalize());
    }

    fn rural_subsidy(&self, r: &Rural, out: &mut Out) {
        if r.new && r.prefab && (r.steel || r.whole_village) {
            out.outcome = Some(Outcome::Eligible);
            out.amount = Some(paid(self.rural_subsidy_rate * r.floor_area));
        } else {
            out.outcome = Some(Outcome::NotEligible);
        }
    }
}
