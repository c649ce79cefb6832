//! A differential oracle: the five headline clauses written a second time, directly in Rust
//! from the clause inventory, docs/inventory.md (not from the rule files), and compared with the rule-file engine
//! on generated cases, facts missing included.
//!
//! Missing facts follow the contract's three-valued logic: a clause is decided when the facts
//! given decide it whatever the missing ones are, and is otherwise undetermined (or, for a
//! requirement that applies, required).

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::common::book;
use crate::properties::{any_day, cases, dec, fen, floor_fen, round_fen, structure, ymd};
use policy_calc::case::Fact;
use policy_calc::report::{Outcome, Report};

/// A truth value that may be unknown.
type Tri = Option<bool>;

fn and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn all(items: impl IntoIterator<Item = Tri>) -> Tri {
    items.into_iter().fold(Some(true), and)
}

/// What a clause should give: an outcome, an amount, named values; or an input error.
#[derive(Clone, Debug, PartialEq)]
enum Expect {
    Result {
        outcome: Outcome,
        amount: Option<Decimal>,
        values: Vec<(String, Decimal)>,
    },
    /// The clause's own error (a guard, an overflow).
    Error,
    /// The case's error, whatever the clause: a date fact after the evaluation date.
    CaseError,
}

fn decided(outcome: Outcome) -> Expect {
    Expect::Result {
        outcome,
        amount: None,
        values: Vec::new(),
    }
}

/// kq-2022-14 is in force from 2022-06-19 to 2025-12-31, kq-2022-15 from 2022-06-24.
fn in_force_14(on: NaiveDate) -> bool {
    ymd(2022, 6, 19) <= on && on <= ymd(2025, 12, 31)
}

fn in_force_15(on: NaiveDate) -> bool {
    ymd(2022, 6, 24) <= on
}

/// An entitlement: eligible (with its amount, when known), not_eligible or undetermined.
fn entitlement(eligible: Tri, amount: Option<Decimal>) -> Expect {
    match eligible {
        Some(true) => Expect::Result {
            outcome: Outcome::Eligible,
            amount,
            values: Vec::new(),
        },
        Some(false) => decided(Outcome::NotEligible),
        None => decided(Outcome::Undetermined),
    }
}

/// A requirement that applies: compliant, non_compliant, or required while unknown.
fn requirement(holds: Tri, values: Vec<(String, Decimal)>) -> Expect {
    let outcome = match holds {
        Some(true) => Outcome::Compliant,
        Some(false) => Outcome::NonCompliant,
        None => Outcome::Required,
    };
    Expect::Result {
        outcome,
        amount: None,
        values,
    }
}

// ---------------------------------------------------------------------------------------------
// The clauses, from docs/inventory.md

#[derive(Clone, Debug)]
struct Rural {
    new: Option<bool>,
    prefab: Option<bool>,
    structure: Option<&'static str>,
    whole_village: Option<bool>,
    floor_area: Option<Decimal>,
}

/// rural-prefab-subsidy: new, prefab, and (steel or whole village): 200 CNY/m2 x floor area,
/// rounded half away from zero to the fen.
fn rural_prefab_subsidy(c: &Rural, on: NaiveDate) -> Expect {
    if !in_force_14(on) {
        return decided(Outcome::NotInForce);
    }
    let eligible = and(
        and(c.new, c.prefab),
        or(c.structure.map(|s| s == "steel"), c.whole_village),
    );
    entitlement(eligible, c.floor_area.map(|a| round_fen(dec("200") * a)))
}

#[derive(Clone, Debug)]
struct Building {
    use_: Option<&'static str>,
    prefab: Option<bool>,
    structure: Option<&'static str>,
    prefab_decoration: Option<bool>,
    decoration_insurance: Option<bool>,
    planning_conditions_date: Option<NaiveDate>,
    approval_date: Option<NaiveDate>,
    installation_cost: Option<Decimal>,
    prefab_component_cost: Option<Decimal>,
    decoration_cost: Option<Decimal>,
}

/// A deduction: its cost when its conditions hold, zero when they fail; unknown when the
/// conditions are, unless the cost is zero anyway.
fn deduction(applies: Tri, cost: Option<Decimal>) -> Option<Decimal> {
    match applies {
        Some(true) => cost,
        Some(false) => Some(Decimal::ZERO),
        None => cost.filter(|c| c.is_zero()),
    }
}

/// warranty-deposit, for residential buildings: 2% of the installation cost, less the prefab
/// components of a steel prefab residential project and the decoration of a prefab building
/// (not a venue or industrial building) with prefab decoration or decoration insurance, both
/// only for projects whose planning conditions or project approval were issued after
/// 2021-01-27 (either one); a base below zero is an error. A case with a date after the
/// evaluation date is an error whatever the clause.
fn warranty_deposit(c: &Building, on: NaiveDate) -> Expect {
    if [c.planning_conditions_date, c.approval_date]
        .iter()
        .flatten()
        .any(|d| *d > on)
    {
        return Expect::CaseError;
    }
    if !in_force_14(on) {
        return decided(Outcome::NotInForce);
    }
    let residential = c.use_.map(|u| u == "residential");
    let after = |d: Option<NaiveDate>| d.map(|d| d > ymd(2021, 1, 27));
    let window = or(after(c.planning_conditions_date), after(c.approval_date));
    let steel = c.structure.map(|s| s == "steel");
    let counts_as_prefab = and(c.prefab, c.use_.map(|u| u != "venue" && u != "industrial"));
    let components = and(and(residential, c.prefab), and(steel, window));
    let decoration = and(
        and(
            counts_as_prefab,
            or(c.prefab_decoration, c.decoration_insurance),
        ),
        window,
    );
    let base = match (
        c.installation_cost,
        deduction(components, c.prefab_component_cost),
        deduction(decoration, c.decoration_cost),
    ) {
        (Some(i), Some(a), Some(b)) => Some(i - a - b),
        _ => None,
    };
    match residential {
        Some(false) => decided(Outcome::NotApplicable),
        _ if base.is_some_and(|b| b < Decimal::ZERO) => Expect::Error,
        None => decided(Outcome::Undetermined),
        Some(true) => match base {
            Some(b) => Expect::Result {
                outcome: Outcome::Computed,
                amount: Some(round_fen(b * dec("0.02"))),
                values: vec![("base".into(), b)],
            },
            None => decided(Outcome::Undetermined),
        },
    }
}

#[derive(Clone, Debug)]
struct Purchase {
    provident_fund_loan: Option<bool>,
    prefab: Option<bool>,
    commercial_housing: Option<bool>,
    standard_max_loan: Option<Decimal>,
}

/// provident-fund-uplift: a provident-fund loan for a prefab commercial home may be 20% above
/// the standard quota; the cap is reported rounded down to the fen.
fn provident_fund_uplift(c: &Purchase, on: NaiveDate) -> Expect {
    if !in_force_14(on) {
        return decided(Outcome::NotInForce);
    }
    let eligible = and(and(c.provident_fund_loan, c.prefab), c.commercial_housing);
    entitlement(
        eligible,
        c.standard_max_loan.map(|q| floor_fen(q * dec("1.2"))),
    )
}

#[derive(Clone, Debug)]
struct Tenant {
    rent: Option<Decimal>,
    market_rent: Option<Decimal>,
}

fn rent_complies(rent: Option<Decimal>, market: Option<Decimal>) -> Tri {
    Some(rent? <= dec("0.8") * market?)
}

/// arh-rent-cap for a tenant: rent <= 80% of the market rent; the cap rounded down.
fn tenant_rent_cap(c: &Tenant, on: NaiveDate) -> Expect {
    if !in_force_15(on) {
        return decided(Outcome::NotInForce);
    }
    let cap = c
        .market_rent
        .map(|m| ("rent_cap".to_string(), floor_fen(dec("0.8") * m)));
    requirement(
        rent_complies(c.rent, c.market_rent),
        cap.into_iter().collect(),
    )
}

#[derive(Clone, Debug)]
struct Unit {
    area: Option<Decimal>,
    count: Option<i64>,
    rent: Option<Decimal>,
    market_rent: Option<Decimal>,
}

#[derive(Clone, Debug)]
struct Rental {
    kind: Option<&'static str>,
    units: Option<Vec<Unit>>,
}

/// arh-rent-cap for a project: every unit type's rent at most 80% of its market rent; each
/// unit type's cap reported.
fn project_rent_cap(c: &Rental, on: NaiveDate) -> Expect {
    if !in_force_15(on) {
        return decided(Outcome::NotInForce);
    }
    let Some(units) = &c.units else {
        return requirement(None, Vec::new());
    };
    let caps = units
        .iter()
        .enumerate()
        .filter_map(|(i, u)| {
            u.market_rent.map(|m| {
                (
                    format!("units[{}].rent_cap", i + 1),
                    floor_fen(dec("0.8") * m),
                )
            })
        })
        .collect();
    requirement(
        all(units.iter().map(|u| rent_complies(u.rent, u.market_rent))),
        caps,
    )
}

/// The number of units, of all or of those whose area passes `small`.
fn count(units: &[Unit], small: Option<Decimal>) -> Option<i64> {
    let mut total = 0;
    for u in units {
        if let Some(bound) = small {
            match u.area {
                Some(a) if a > bound => continue,
                Some(_) => {}
                None => return None,
            }
        }
        total += u.count?;
    }
    Some(total)
}

/// arh-unit-size: residential: every unit <= 90 m2 and units <= 70 m2 at least 80% of all,
/// counted by units; dormitory: every unit <= 50 m2. Decided without the kind when both
/// kinds give the same answer.
fn unit_size(c: &Rental, on: NaiveDate) -> Expect {
    if !in_force_15(on) {
        return decided(Outcome::NotInForce);
    }
    let Some(units) = &c.units else {
        return requirement(None, Vec::new());
    };
    let every_at_most = |bound: &str| all(units.iter().map(|u| u.area.map(|a| a <= dec(bound))));
    let small_share = match (count(units, Some(dec("70"))), count(units, None)) {
        (Some(small), Some(total)) => {
            Some(Decimal::from(small) >= dec("0.8") * Decimal::from(total))
        }
        _ => None,
    };
    let residential = and(every_at_most("90"), small_share);
    let dormitory = every_at_most("50");
    let holds = match c.kind {
        Some("dormitory") => dormitory,
        Some(_) => residential,
        None if residential == dormitory => residential,
        None => None,
    };
    requirement(holds, Vec::new())
}

// ---------------------------------------------------------------------------------------------
// Comparing with the engine

fn maybe<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop::option::weighted(0.85, s)
}

/// The engine's answer for `clause`, in the oracle's terms.
fn engine(
    subject: &str,
    facts: &[(&str, Fact)],
    on: NaiveDate,
    clause: &str,
    values: &[&str],
) -> Expect {
    let case = book()
        .case(subject, facts)
        .unwrap_or_else(|e| panic!("{facts:?}:\n{e}"));
    let report: Report = match book().evaluate(&case, on) {
        Ok(r) => r,
        Err(e) if e.clause.is_none() => return Expect::CaseError,
        Err(e) => {
            assert_eq!(
                e.clause.as_deref(),
                Some(clause),
                "an error from another clause: {e}"
            );
            return Expect::Error;
        }
    };
    let r = report
        .result(clause)
        .unwrap_or_else(|| panic!("no {clause}"));
    let values = r
        .values
        .0
        .iter()
        .filter(|(n, _)| {
            values
                .iter()
                .any(|v| n == v || n.ends_with(&format!(".{v}")))
        })
        .map(|(n, q)| (n.clone(), q.value().parse().expect("a decimal")))
        .collect();
    Expect::Result {
        outcome: r.outcome,
        amount: r
            .amount
            .as_ref()
            .map(|q| q.value().parse().expect("a decimal")),
        values,
    }
}

fn push<T>(
    facts: &mut Vec<(&'static str, Fact)>,
    name: &'static str,
    v: Option<T>,
    f: impl Fn(T) -> Fact,
) {
    if let Some(v) = v {
        facts.push((name, f(v)));
    }
}

fn use_word() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["residential", "public", "industrial", "venue"])
}

fn planning_day() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![Just(ymd(2021, 1, 27)), Just(ymd(2021, 1, 28)), any_day()]
}

fn unit_strategy() -> impl Strategy<Value = Unit> {
    let area = prop_oneof![
        prop::sample::select(vec![
            dec("50"),
            dec("50.01"),
            dec("70"),
            dec("70.01"),
            dec("90"),
            dec("90.01")
        ]),
        fen(12_000),
    ];
    (
        maybe(area),
        maybe(1i64..=40),
        maybe(fen(1_000_000)),
        maybe(fen(1_000_000)),
    )
        .prop_map(|(area, count, rent, market_rent)| Unit {
            area,
            count,
            rent,
            market_rent,
        })
}

fn units_fact(units: &[Unit]) -> Fact {
    Fact::Items(
        units
            .iter()
            .map(|u| {
                let mut item = Vec::new();
                if let Some(a) = u.area {
                    item.push(("area".to_string(), Fact::Num(a)));
                }
                if let Some(c) = u.count {
                    item.push(("count".to_string(), Fact::from(c)));
                }
                if let Some(r) = u.rent {
                    item.push(("rent".to_string(), Fact::Num(r)));
                }
                if let Some(m) = u.market_rent {
                    item.push(("market_rent".to_string(), Fact::Num(m)));
                }
                item
            })
            .collect(),
    )
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn rural_prefab_subsidy_agrees(new in maybe(any::<bool>()), prefab in maybe(any::<bool>()), s in maybe(structure()),
                                   whole in maybe(any::<bool>()), area in maybe((0i64..=100_000_000, 0u32..=4).prop_map(|(m, s)| Decimal::new(m, s))),
                                   on in any_day()) {
        let c = Rural { new, prefab, structure: s, whole_village: whole, floor_area: area };
        let mut facts = Vec::new();
        push(&mut facts, "new", c.new, Fact::from);
        push(&mut facts, "prefab", c.prefab, Fact::from);
        push(&mut facts, "structure", c.structure, Fact::word);
        push(&mut facts, "whole_village", c.whole_village, Fact::from);
        push(&mut facts, "floor_area", c.floor_area, Fact::Num);
        prop_assert_eq!(engine("rural_housing", &facts, on, "rural-prefab-subsidy", &[]), rural_prefab_subsidy(&c, on), "{:?}", c);
    }

    #[test]
    fn warranty_deposit_agrees(use_ in maybe(use_word()), prefab in maybe(any::<bool>()), s in maybe(structure()),
                               pd in maybe(any::<bool>()), ins in maybe(any::<bool>()), planning in maybe(planning_day()), approval in maybe(planning_day()),
                               costs in (maybe(fen(10_000_000_000)), maybe(fen(10_000_000_000)), maybe(fen(10_000_000_000))),
                               zero in prop::sample::select(vec![0usize, 1, 2, 3]), on in any_day()) {
        let (mut installation, mut components, mut decoration) = costs;
        // A deduction of zero decides the base whether it applies or not.
        match zero {
            1 => components = Some(Decimal::ZERO),
            2 => decoration = Some(Decimal::ZERO),
            _ => {}
        }
        // Costs past the installation cost only where the deposit may apply (see the report
        // on guards of clauses that do not apply).
        if use_.is_some_and(|u| u != "residential") {
            let given = components.unwrap_or_default() + decoration.unwrap_or_default();
            installation = installation.map(|i| i.max(given));
        }
        let c = Building {
            use_, prefab, structure: s, prefab_decoration: pd, decoration_insurance: ins, planning_conditions_date: planning,
            approval_date: approval, installation_cost: installation, prefab_component_cost: components, decoration_cost: decoration,
        };
        let mut facts = Vec::new();
        push(&mut facts, "use", c.use_, Fact::word);
        push(&mut facts, "prefab", c.prefab, Fact::from);
        push(&mut facts, "structure", c.structure, Fact::word);
        push(&mut facts, "prefab_decoration", c.prefab_decoration, Fact::from);
        push(&mut facts, "decoration_insurance", c.decoration_insurance, Fact::from);
        push(&mut facts, "planning_conditions_date", c.planning_conditions_date, Fact::from);
        push(&mut facts, "approval_date", c.approval_date, Fact::from);
        push(&mut facts, "installation_cost", c.installation_cost, Fact::Num);
        push(&mut facts, "prefab_component_cost", c.prefab_component_cost, Fact::Num);
        push(&mut facts, "decoration_cost", c.decoration_cost, Fact::Num);
        prop_assert_eq!(engine("building_project", &facts, on, "warranty-deposit", &["base"]), warranty_deposit(&c, on), "{:?}", c);
    }

    #[test]
    fn provident_fund_uplift_agrees(loan in maybe(any::<bool>()), prefab in maybe(any::<bool>()), commercial in maybe(any::<bool>()),
                                    quota in maybe(fen(10_000_000_000)), on in any_day()) {
        let c = Purchase { provident_fund_loan: loan, prefab, commercial_housing: commercial, standard_max_loan: quota };
        let mut facts = Vec::new();
        push(&mut facts, "provident_fund_loan", c.provident_fund_loan, Fact::from);
        push(&mut facts, "prefab", c.prefab, Fact::from);
        push(&mut facts, "commercial_housing", c.commercial_housing, Fact::from);
        push(&mut facts, "standard_max_loan", c.standard_max_loan, Fact::Num);
        prop_assert_eq!(engine("home_purchase", &facts, on, "provident-fund-uplift", &[]), provident_fund_uplift(&c, on), "{:?}", c);
    }

    #[test]
    fn tenant_rent_cap_agrees(rent in maybe(fen(100_000_000)), market in maybe(fen(100_000_000)), k in -2i64..=2,
                              near_cap in any::<bool>(), on in any_day()) {
        let rent = match (near_cap, market) {
            (true, Some(m)) => Some((floor_fen(dec("0.8") * m) + Decimal::new(k, 2)).max(Decimal::ZERO)),
            _ => rent,
        };
        let c = Tenant { rent, market_rent: market };
        let mut facts = Vec::new();
        push(&mut facts, "rent", c.rent, Fact::Num);
        push(&mut facts, "market_rent", c.market_rent, Fact::Num);
        prop_assert_eq!(engine("tenant", &facts, on, "arh-rent-cap", &["rent_cap"]), tenant_rent_cap(&c, on), "{:?}", c);
    }

    #[test]
    fn project_rent_cap_and_unit_size_agree(kind in maybe(prop::sample::select(vec!["residential", "dormitory"])),
                                            units in maybe(prop::collection::vec(unit_strategy(), 1..6)), on in any_day()) {
        let c = Rental { kind, units };
        let mut facts = Vec::new();
        push(&mut facts, "kind", c.kind, Fact::word);
        if let Some(units) = &c.units {
            facts.push(("units", units_fact(units)));
        }
        prop_assert_eq!(engine("rental_project", &facts, on, "arh-rent-cap", &["rent_cap"]), project_rent_cap(&c, on), "{:?}", c);
        prop_assert_eq!(engine("rental_project", &facts, on, "arh-unit-size", &[]), unit_size(&c, on), "{:?}", c);
    }
}

/// The oracle itself reproduces the worked examples of the clause inventory (docs/inventory.md).
#[test]
fn the_oracle_reproduces_the_worked_examples() {
    let on = ymd(2023, 3, 1);
    let farm = Rural {
        new: Some(true),
        prefab: Some(true),
        structure: Some("steel"),
        whole_village: Some(false),
        floor_area: Some(dec("180.55")),
    };
    assert_eq!(
        rural_prefab_subsidy(&farm, on),
        Expect::Result {
            outcome: Outcome::Eligible,
            amount: Some(dec("36110.00")),
            values: vec![]
        }
    );
    let project = |structure, prefab| Building {
        use_: Some("residential"),
        prefab: Some(prefab),
        structure: Some(structure),
        prefab_decoration: Some(false),
        decoration_insurance: Some(true),
        planning_conditions_date: Some(ymd(2022, 1, 1)),
        approval_date: None,
        installation_cost: Some(dec("50000000.00")),
        prefab_component_cost: Some(dec("12000000.00")),
        decoration_cost: Some(dec("8000000.00")),
    };
    let deposit = |b: &Building| match warranty_deposit(b, on) {
        Expect::Result { amount, .. } => amount,
        Expect::Error | Expect::CaseError => None,
    };
    assert_eq!(deposit(&project("steel", true)), Some(dec("600000.00")));
    assert_eq!(deposit(&project("concrete", true)), Some(dec("840000.00")));
    assert_eq!(
        deposit(&project("concrete", false)),
        Some(dec("1000000.00"))
    );
    let odd = Building {
        installation_cost: Some(dec("100.25")),
        ..project("concrete", false)
    };
    assert_eq!(deposit(&odd), Some(dec("2.01")));
    // In the incentive window by the project approval alone (立项批文): planning conditions of
    // 2020-12-01, approval 2021-06-01; base 1,000,000.25 - 500,000.00 = 500,000.25, 2% of
    // which is 10,000.005, deposited as 10,000.01.
    let approved = Building {
        planning_conditions_date: Some(ymd(2020, 12, 1)),
        approval_date: Some(ymd(2021, 6, 1)),
        decoration_insurance: Some(false),
        installation_cost: Some(dec("1000000.25")),
        prefab_component_cost: Some(dec("500000.00")),
        ..project("steel", true)
    };
    assert_eq!(deposit(&approved), Some(dec("10000.01")));
    let outside = Building {
        approval_date: Some(ymd(2021, 1, 27)),
        ..approved.clone()
    };
    assert_eq!(deposit(&outside), Some(dec("20000.01")));
    // A date after the evaluation date is the case's error.
    let future = Building {
        approval_date: Some(ymd(2023, 3, 2)),
        ..approved
    };
    assert_eq!(warranty_deposit(&future, on), Expect::CaseError);
    let tenant = Tenant {
        rent: Some(dec("1876.53")),
        market_rent: Some(dec("2345.67")),
    };
    assert_eq!(
        tenant_rent_cap(&tenant, on),
        requirement(Some(true), vec![("rent_cap".into(), dec("1876.53"))])
    );
    let tenant = Tenant {
        rent: Some(dec("1876.54")),
        ..tenant
    };
    assert_eq!(
        tenant_rent_cap(&tenant, on),
        requirement(Some(false), vec![("rent_cap".into(), dec("1876.53"))])
    );
    let unit = |area: &str, count| Unit {
        area: Some(dec(area)),
        count: Some(count),
        rent: None,
        market_rent: None,
    };
    let mix = |units| Rental {
        kind: Some("residential"),
        units: Some(units),
    };
    assert_eq!(
        unit_size(&mix(vec![unit("70.00", 80), unit("88", 20)]), on),
        requirement(Some(true), vec![])
    );
    assert_eq!(
        unit_size(&mix(vec![unit("70.00", 79), unit("70.01", 21)]), on),
        requirement(Some(false), vec![])
    );
    let dorm = Rental {
        kind: Some("dormitory"),
        units: Some(vec![unit("50.01", 1)]),
    };
    assert_eq!(unit_size(&dorm, on), requirement(Some(false), vec![]));
}
