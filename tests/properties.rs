//! Laws of the policy and of the engine, checked on generated cases (proptest).
//!
//! Each property runs 256 cases by default (a few run fewer, being dearer); set
//! `PROPTEST_CASES=N` to run N cases of every property instead. The figures in the laws come
//! from the clause inventory (docs/inventory.md), not from the rule files: a law restates the gazette.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use proptest::test_runner::Config;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::common::book;
use crate::fuzz_corpus::checks;
use policy_calc::case::{Case, Fact};
use policy_calc::changes::{FactChange, FactValue, Relation};
use policy_calc::expr::Value;
use policy_calc::expr::parse::{Ast, AstKind, BinOp, Duration, parse, same_expression};
use policy_calc::report::{ClauseResult, Outcome, Report};
use policy_calc::schema::Field;
use policy_calc::source::Span;
use policy_calc::units::{Type, Unit};

// ---------------------------------------------------------------------------------------------
// Configuration and helpers

/// `default` cases per property, or `PROPTEST_CASES` when it is set.
pub(crate) fn cases(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        // A failure prints its minimal input; nothing is written into the source tree.
        failure_persistence: None,
        ..Config::default()
    }
}

pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

fn as_of() -> NaiveDate {
    ymd(2023, 3, 1)
}

pub(crate) fn dec(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

/// Half away from zero to the fen (四舍五入): how amounts paid or charged are rounded.
pub(crate) fn round_fen(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Down to the fen: how caps are reported.
pub(crate) fn floor_fen(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::ToNegativeInfinity)
}

fn evaluate(subject: &str, facts: &[(&str, Fact)], on: NaiveDate) -> Report {
    let case = book()
        .case(subject, facts)
        .unwrap_or_else(|e| panic!("{subject} {facts:?}:\n{e}"));
    book()
        .evaluate(&case, on)
        .unwrap_or_else(|e| panic!("{subject} {facts:?}: {e}"))
}

fn result<'r>(report: &'r Report, clause: &str) -> &'r ClauseResult {
    report
        .result(clause)
        .unwrap_or_else(|| panic!("no result for {clause}"))
}

fn outcome(report: &Report, clause: &str) -> Outcome {
    result(report, clause).outcome
}

/// The amount of a result; money is always given to the fen.
fn amount(report: &Report, clause: &str) -> Option<Decimal> {
    result(report, clause).amount.as_ref().map(|q| {
        let d: Decimal = q.value().parse().expect("an exact decimal");
        assert_eq!(
            d.scale(),
            2,
            "{clause}: `{}` is not given to the fen",
            q.value()
        );
        d
    })
}

fn value(report: &Report, clause: &str, name: &str) -> Option<Decimal> {
    result(report, clause)
        .values
        .get(name)
        .map(|q| q.value().parse().expect("an exact decimal"))
}

fn num(d: Decimal) -> Fact {
    Fact::Num(d)
}

fn word(w: &str) -> Fact {
    Fact::word(w)
}

/// Fen from 0 to `max_fen`, as CNY or m2.
pub(crate) fn fen(max_fen: i64) -> impl Strategy<Value = Decimal> {
    (0..=max_fen).prop_map(|c| Decimal::new(c, 2))
}

/// `at` plus or minus up to `steps` steps of 0.01, never below zero: both sides of a bound.
fn near(at: &'static str, steps: i64) -> impl Strategy<Value = Decimal> {
    (-steps..=steps).prop_map(move |k| (dec(at) + Decimal::new(k, 2)).max(Decimal::ZERO))
}

pub(crate) fn day_between(from: NaiveDate, to: NaiveDate) -> impl Strategy<Value = NaiveDate> {
    (0..=(to - from).num_days() as u64).prop_map(move |n| from + Days::new(n))
}

/// A date in 2020-2027, often one of the days on which something starts or ends.
pub(crate) fn any_day() -> impl Strategy<Value = NaiveDate> {
    let edges: Vec<NaiveDate> = [
        (2021, 1, 27),
        (2021, 1, 28),
        (2022, 5, 8),
        (2022, 5, 9),
        (2022, 6, 18),
        (2022, 6, 19),
        (2022, 6, 23),
        (2022, 6, 24),
        (2022, 12, 31),
        (2023, 1, 1),
        (2025, 12, 31),
        (2026, 1, 1),
    ]
    .into_iter()
    .map(|(y, m, d)| ymd(y, m, d))
    .collect();
    prop_oneof![
        prop::sample::select(edges),
        day_between(ymd(2020, 1, 1), ymd(2027, 12, 31)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Rural prefab subsidy (kq-2022-14 三（六）): 200 CNY/m2

fn rural(
    new: bool,
    prefab: bool,
    structure: &str,
    whole_village: bool,
    area: Option<Decimal>,
) -> Report {
    let mut facts = vec![
        ("new", Fact::from(new)),
        ("prefab", Fact::from(prefab)),
        ("structure", word(structure)),
        ("whole_village", Fact::from(whole_village)),
    ];
    if let Some(a) = area {
        facts.push(("floor_area", num(a)));
    }
    evaluate("rural_housing", &facts, as_of())
}

/// An area with up to 6 decimals, so that the rounding of the subsidy is exercised.
fn area_any() -> impl Strategy<Value = Decimal> {
    (0i64..=100_000_000_000, 0u32..=6).prop_map(|(m, s)| Decimal::new(m, s))
}

pub(crate) fn structure() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["steel", "concrete", "timber", "other"])
}

proptest! {
    #![proptest_config(cases(256))]

    /// The subsidy is exactly 200 CNY per m2, rounded half away from zero to the fen.
    #[test]
    fn rural_subsidy_is_200_cny_per_m2_rounded_half_away(area in area_any(), steel in any::<bool>(), s in structure()) {
        // Steel, or any structure built as a whole village.
        let report = if steel { rural(true, true, "steel", false, Some(area)) } else { rural(true, true, s, true, Some(area)) };
        prop_assert_eq!(outcome(&report, "rural-prefab-subsidy"), Outcome::Eligible);
        prop_assert_eq!(amount(&report, "rural-prefab-subsidy"), Some(round_fen(dec("200") * area)));
    }

    /// More floor area never gives less subsidy, and the subsidy of two parts is the subsidy
    /// of the whole to within the one fen that rounding may move.
    #[test]
    fn rural_subsidy_grows_with_area(a in area_any(), b in area_any()) {
        let (lo, hi) = (a.min(b), a.max(b));
        let s = |x| amount(&rural(true, true, "steel", false, Some(x)), "rural-prefab-subsidy").expect("an amount");
        prop_assert!(s(lo) <= s(hi));
        if let Some(sum) = a.checked_add(b) {
            prop_assert!((s(sum) - s(a) - s(b)).abs() <= dec("0.01"));
        }
    }

    /// Only a new prefab farmhouse, steel or built as a whole village, is eligible; anyone
    /// else gets no amount at all.
    #[test]
    fn rural_subsidy_only_for_the_eligible(new in any::<bool>(), prefab in any::<bool>(), s in structure(),
                                          whole in any::<bool>(), area in area_any()) {
        let report = rural(new, prefab, s, whole, Some(area));
        let eligible = new && prefab && (s == "steel" || whole);
        let expected = if eligible { Outcome::Eligible } else { Outcome::NotEligible };
        prop_assert_eq!(outcome(&report, "rural-prefab-subsidy"), expected);
        prop_assert_eq!(amount(&report, "rural-prefab-subsidy").is_some(), eligible);
    }
}

// ---------------------------------------------------------------------------------------------
// Warranty deposit (kq-2022-14 三（三）): 2% of the installation cost less the deductions

#[derive(Clone, Debug)]
struct Project {
    use_: &'static str,
    prefab: bool,
    structure: &'static str,
    prefab_decoration: bool,
    insurance: bool,
    planning: NaiveDate,
    approval: NaiveDate,
    installation: Decimal,
    components: Decimal,
    decoration: Decimal,
}

impl Project {
    /// 2021年1月27日后已经出具规划设计条件书或立项批文: either date after 2021-01-27.
    fn in_window(&self) -> bool {
        self.planning > ymd(2021, 1, 27) || self.approval > ymd(2021, 1, 27)
    }
    /// 钢结构装配式住宅项目可在基数中扣除预制构件总价.
    fn deducts_components(&self) -> bool {
        self.use_ == "residential" && self.prefab && self.structure == "steel" && self.in_window()
    }
    /// 采用装配式装修或实行住宅全装修工程质量保险的装配式建筑项目，可在基数中扣除装修费用.
    fn deducts_decoration(&self) -> bool {
        self.prefab
            && !["venue", "industrial"].contains(&self.use_)
            && (self.prefab_decoration || self.insurance)
            && self.in_window()
    }
    fn base(&self) -> Decimal {
        let mut base = self.installation;
        if self.deducts_components() {
            base -= self.components;
        }
        if self.deducts_decoration() {
            base -= self.decoration;
        }
        base
    }
    fn facts(&self) -> Vec<(&'static str, Fact)> {
        vec![
            ("use", word(self.use_)),
            ("prefab", Fact::from(self.prefab)),
            ("structure", word(self.structure)),
            ("prefab_decoration", Fact::from(self.prefab_decoration)),
            ("decoration_insurance", Fact::from(self.insurance)),
            ("planning_conditions_date", Fact::from(self.planning)),
            ("approval_date", Fact::from(self.approval)),
            ("installation_cost", num(self.installation)),
            ("prefab_component_cost", num(self.components)),
            ("decoration_cost", num(self.decoration)),
        ]
    }
    fn report(&self) -> Report {
        evaluate("building_project", &self.facts(), as_of())
    }
    fn deposit(&self) -> Decimal {
        amount(&self.report(), "warranty-deposit").expect("a residential project has a deposit")
    }
}

/// A planning conditions or approval date around the incentive window's start, never after
/// the evaluation date.
fn window_day() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        Just(ymd(2021, 1, 27)),
        Just(ymd(2021, 1, 28)),
        day_between(ymd(2020, 6, 1), ymd(2022, 12, 31))
    ]
}

/// A residential project whose costs always leave a base of at least zero.
fn project() -> impl Strategy<Value = Project> {
    (
        (any::<bool>(), structure(), any::<bool>(), any::<bool>()),
        (window_day(), window_day()),
        (
            fen(10_000_000_000),
            fen(10_000_000_000),
            fen(10_000_000_000),
        ),
    )
        .prop_map(
            |(
                (prefab, structure, prefab_decoration, insurance),
                (planning, approval),
                (c, d, slack),
            )| {
                Project {
                    use_: "residential",
                    prefab,
                    structure,
                    prefab_decoration,
                    insurance,
                    planning,
                    approval,
                    installation: c + d + slack,
                    components: c,
                    decoration: d,
                }
            },
        )
}

proptest! {
    #![proptest_config(cases(256))]

    /// The deposit is round_half_away(2% x base) exactly, and the base is the installation
    /// cost less each deduction whose conditions hold.
    #[test]
    fn warranty_deposit_is_two_percent_of_the_base(p in project()) {
        let report = p.report();
        prop_assert_eq!(outcome(&report, "warranty-deposit"), Outcome::Computed);
        prop_assert_eq!(amount(&report, "warranty-deposit"), Some(round_fen(p.base() * dec("0.02"))));
        prop_assert_eq!(value(&report, "warranty-deposit", "base"), Some(p.base()));
    }

    /// Never above 2% of the installation cost (after rounding), never below zero.
    #[test]
    fn warranty_deposit_is_between_zero_and_two_percent_of_the_installation(p in project()) {
        let deposit = p.deposit();
        prop_assert!(deposit >= Decimal::ZERO);
        prop_assert!(deposit <= round_fen(dec("0.02") * p.installation));
    }

    /// A deduction whose conditions fail leaves the deposit whatever its cost; one whose
    /// conditions hold lowers the base by exactly that cost.
    #[test]
    fn each_deduction_applies_only_when_its_conditions_hold(p in project(), other in fen(10_000_000_000)) {
        let base = |q: &Project| value(&q.report(), "warranty-deposit", "base").expect("a base");
        let mut q = p.clone();
        q.components = other;
        q.installation = p.installation.max(other + p.decoration);
        let shift = q.installation - p.installation;
        let expected = if p.deducts_components() { base(&p) + shift - (other - p.components) } else { base(&p) + shift };
        prop_assert_eq!(base(&q), expected);
        let mut q = p.clone();
        q.decoration = other;
        q.installation = p.installation.max(other + p.components);
        let shift = q.installation - p.installation;
        let expected = if p.deducts_decoration() { base(&p) + shift - (other - p.decoration) } else { base(&p) + shift };
        prop_assert_eq!(base(&q), expected);
    }

    /// Both deductions together take off what each takes off alone (累加扣除).
    #[test]
    fn both_deductions_add_up(p in project()) {
        let base = |q: &Project| value(&q.report(), "warranty-deposit", "base").expect("a base");
        let only_components = Project { decoration: Decimal::ZERO, ..p.clone() };
        let only_decoration = Project { components: Decimal::ZERO, ..p.clone() };
        let both = p.installation - base(&p);
        prop_assert_eq!(both, (p.installation - base(&only_components)) + (p.installation - base(&only_decoration)));
    }

    /// The incentive window is strictly after 2021-01-27 (后), by the planning conditions or
    /// the project approval, either one: the deductions of a steel prefab project with
    /// decoration insurance apply exactly then; the 2% rule always.
    #[test]
    fn deductions_need_conditions_or_approval_after_2021_01_27(planning in day_between(ymd(2020, 12, 1), ymd(2021, 3, 31)),
                                                              approval in day_between(ymd(2020, 12, 1), ymd(2021, 3, 31)),
                                                              c in fen(1_000_000_000), d in fen(1_000_000_000)) {
        let p = Project {
            use_: "residential", prefab: true, structure: "steel", prefab_decoration: false, insurance: true,
            planning, approval, installation: c + d + dec("1000"), components: c, decoration: d,
        };
        let in_window = planning >= ymd(2021, 1, 28) || approval >= ymd(2021, 1, 28);
        let expected = if in_window { dec("1000") } else { c + d + dec("1000") };
        prop_assert_eq!(value(&p.report(), "warranty-deposit", "base"), Some(expected));
    }

    /// Deductions that exceed the installation cost are an error naming the clause, never a
    /// negative deposit.
    #[test]
    fn a_negative_base_is_an_error(p in project(), excess in fen(1_000_000_000)) {
        // q's deductions exceed its installation cost whenever there is any deduction.
        let deducted = p.installation - p.base();
        let q = Project { installation: (deducted - excess - dec("0.01")).max(Decimal::ZERO), ..p.clone() };
        let case = book().case("building_project", &q.facts()).expect("valid facts");
        match book().evaluate(&case, as_of()) {
            Ok(report) => {
                prop_assert!(q.base() >= Decimal::ZERO, "base {} gave {:?}", q.base(), result(&report, "warranty-deposit"));
                prop_assert!(amount(&report, "warranty-deposit").expect("an amount") >= Decimal::ZERO);
            }
            Err(e) => {
                prop_assert!(q.base() < Decimal::ZERO, "{e}");
                prop_assert_eq!(e.clause.as_deref(), Some("warranty-deposit"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ARH rent cap (kq-2022-15 二（三）): rent <= 80% of the market rent

/// A rent and a market rent, often with the rent within a few fen of 80% of the market rent.
fn rents() -> impl Strategy<Value = (Decimal, Decimal)> {
    prop_oneof![
        (fen(100_000_000), fen(100_000_000)),
        (fen(100_000_000), -3i64..=3).prop_map(|(m, k)| (
            (floor_fen(m * dec("0.8")) + Decimal::new(k, 2)).max(Decimal::ZERO),
            m
        )),
    ]
}

fn tenant(rent: Decimal, market: Decimal) -> Report {
    evaluate(
        "tenant",
        &[("rent", num(rent)), ("market_rent", num(market))],
        as_of(),
    )
}

fn unit(area: Decimal, count: i64, rent: Option<(Decimal, Decimal)>) -> Vec<(String, Fact)> {
    let mut item = vec![
        ("area".to_string(), num(area)),
        ("count".to_string(), Fact::from(count)),
    ];
    if let Some((r, m)) = rent {
        item.push(("rent".to_string(), num(r)));
        item.push(("market_rent".to_string(), num(m)));
    }
    item
}

fn project_units(kind: &str, units: Vec<Vec<(String, Fact)>>) -> Report {
    evaluate(
        "rental_project",
        &[("kind", word(kind)), ("units", Fact::Items(units))],
        as_of(),
    )
}

proptest! {
    #![proptest_config(cases(256))]

    /// A tenant's rent complies exactly when rent <= 0.8 x market rent (5 x rent <= 4 x market).
    #[test]
    fn a_rent_complies_exactly_when_at_most_80_percent((rent, market) in rents()) {
        let expected = if rent * dec("5") <= market * dec("4") { Outcome::Compliant } else { Outcome::NonCompliant };
        prop_assert_eq!(outcome(&tenant(rent, market), "arh-rent-cap"), expected);
    }

    /// The reported cap is 80% rounded down to the fen; it complies and the next fen does not.
    #[test]
    fn the_reported_rent_cap_complies_and_the_next_fen_does_not(market in fen(100_000_000)) {
        let cap = value(&tenant(Decimal::ZERO, market), "arh-rent-cap", "rent_cap").expect("a cap");
        prop_assert_eq!(cap, floor_fen(market * dec("0.8")));
        prop_assert_eq!(outcome(&tenant(cap, market), "arh-rent-cap"), Outcome::Compliant);
        prop_assert_eq!(outcome(&tenant(cap + dec("0.01"), market), "arh-rent-cap"), Outcome::NonCompliant);
    }

    /// For a project, each unit type has its own cap; the project complies exactly when every
    /// unit type does, and raising one compliant unit to its cap plus a fen breaks it.
    #[test]
    fn each_unit_type_of_a_project_has_its_cap(all in prop::collection::vec(rents(), 1..5), pick in any::<prop::sample::Index>()) {
        let units: Vec<_> = all.iter().map(|&r| unit(dec("60"), 1, Some(r))).collect();
        let report = project_units("residential", units.clone());
        let complies = all.iter().all(|(r, m)| r * dec("5") <= m * dec("4"));
        prop_assert_eq!(outcome(&report, "arh-rent-cap"), if complies { Outcome::Compliant } else { Outcome::NonCompliant });
        for (i, (_, m)) in all.iter().enumerate() {
            let cap = value(&report, "arh-rent-cap", &format!("units[{}].rent_cap", i + 1));
            prop_assert_eq!(cap, Some(floor_fen(m * dec("0.8"))));
        }
        // Every unit at its cap complies; one unit a fen above its cap does not.
        let i = pick.index(all.len());
        let at_cap = |extra: Decimal| -> Vec<_> {
            all.iter().enumerate().map(|(j, &(_, m))| {
                let cap = floor_fen(m * dec("0.8")) + if i == j { extra } else { Decimal::ZERO };
                unit(dec("60"), 1, Some((cap, m)))
            }).collect()
        };
        prop_assert_eq!(outcome(&project_units("residential", at_cap(Decimal::ZERO)), "arh-rent-cap"), Outcome::Compliant);
        prop_assert_eq!(outcome(&project_units("residential", at_cap(dec("0.01"))), "arh-rent-cap"), Outcome::NonCompliant);
    }
}

// ---------------------------------------------------------------------------------------------
// ARH unit sizes (kq-2022-15 二（二）): 70 m2 for 80% of units, 90 m2 at most, 50 m2 dormitories

proptest! {
    #![proptest_config(cases(256))]

    /// Counted by number of units, small units (<= 70 m2) must be at least 80%: the rule flips
    /// exactly between 4 small units per large one and fewer.
    #[test]
    fn the_unit_mix_flips_at_80_percent(large in 0i64..200, k in -3i64..=3,
                                        small_area in prop_oneof![Just(dec("70")), fen(7000)],
                                        large_area in prop_oneof![Just(dec("70.01")), Just(dec("90")), (7001i64..=9000).prop_map(|c| Decimal::new(c, 2))]) {
        let small = (4 * large + k).max(0);
        prop_assume!(small + large > 0);
        let mut units = vec![unit(large_area, large, None)];
        if small > 0 {
            units.push(unit(small_area, small, None));
        }
        let expected = if small * 5 >= 4 * (small + large) { Outcome::Compliant } else { Outcome::NonCompliant };
        prop_assert_eq!(outcome(&project_units("residential", units), "arh-unit-size"), expected);
    }

    /// 70 m2 counts as small and 70.01 does not; 90 m2 is allowed and 90.01 is not; a
    /// dormitory unit may be 50 m2 and not 50.01.
    #[test]
    fn the_unit_size_bounds_are_inclusive(area in prop_oneof![near("50", 3), near("70", 3), near("90", 3), fen(20_000)]) {
        // Four small units and one of `area`: complies exactly when area <= 90.
        let report = project_units("residential", vec![unit(dec("35"), 4, None), unit(area, 1, None)]);
        let expected = if area <= dec("90") { Outcome::Compliant } else { Outcome::NonCompliant };
        prop_assert_eq!(outcome(&report, "arh-unit-size"), expected);
        // Four units of `area` and one of 90: complies exactly when area <= 70 (80% small).
        let report = project_units("residential", vec![unit(area, 4, None), unit(dec("90"), 1, None)]);
        let expected = if area <= dec("70") { Outcome::Compliant } else { Outcome::NonCompliant };
        prop_assert_eq!(outcome(&report, "arh-unit-size"), expected);
        // A dormitory: every unit at most 50.
        let report = project_units("dormitory", vec![unit(dec("20"), 3, None), unit(area, 2, None)]);
        let expected = if area <= dec("50") { Outcome::Compliant } else { Outcome::NonCompliant };
        prop_assert_eq!(outcome(&report, "arh-unit-size"), expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Thresholds of kq-2022-14: BIM (超过: exclusive), presale 25% (以上: inclusive), floors >= 10

fn building(facts: &[(&str, Fact)]) -> Report {
    evaluate("building_project", facts, as_of())
}

proptest! {
    #![proptest_config(cases(256))]

    /// BIM is required above (超过) 100,000 m2 residential, 50,000 m2 public, and 20,000 m2 in
    /// one building for public or steel prefab buildings; at the figure itself it is not. A
    /// venue (场馆) is a public building here.
    #[test]
    fn bim_thresholds_are_exclusive(use_ in prop::sample::select(vec!["residential", "public", "industrial", "venue"]),
                                    prefab in any::<bool>(), s in structure(),
                                    total in prop_oneof![near("100000", 200), near("50000", 200), fen(20_000_000)],
                                    largest in prop_oneof![near("20000", 200), fen(5_000_000)]) {
        let report = building(&[
            ("new", Fact::from(true)), ("use", word(use_)), ("prefab", Fact::from(prefab)), ("structure", word(s)),
            ("above_ground_area", num(total)), ("largest_building_above_ground_area", num(largest)), ("bim", Fact::from(false)),
        ]);
        let public = use_ == "public" || use_ == "venue";
        let required = (use_ == "residential" && total > dec("100000"))
            || (public && total > dec("50000"))
            || ((public || (prefab && s == "steel")) && largest > dec("20000"));
        prop_assert_eq!(outcome(&report, "bim-required") == Outcome::NonCompliant, required);
    }

    /// The presale permit needs a progress of 25% or more (以上), or the foundation at grade.
    #[test]
    fn presale_progress_of_25_percent_is_enough(total in 1i64..=100_000_000_000, k in -3i64..=3, split in 0i64..=100,
                                                at_grade in any::<bool>()) {
        let spent = (total / 4 + k).max(0);
        let funds = spent * split / 100;
        let report = building(&[
            ("use", word("residential")), ("commercial_housing", Fact::from(true)), ("prefab", Fact::from(true)),
            ("structure", word("concrete")), ("full_decoration", Fact::from(true)), ("has_property_certificate", Fact::from(true)),
            ("has_planning_permit", Fact::from(true)), ("schedule_fixed", Fact::from(true)), ("foundation_at_grade", Fact::from(at_grade)),
            ("planning_conditions_date", Fact::from(ymd(2022, 1, 1))), ("total_investment", num(Decimal::new(total, 2))),
            ("construction_funds_invested", num(Decimal::new(funds, 2))), ("prefab_components_invested", num(Decimal::new(spent - funds, 2))),
        ]);
        let eligible = at_grade || 4 * spent >= total;
        prop_assert_eq!(outcome(&report, "presale-permit"), if eligible { Outcome::Eligible } else { Outcome::NotEligible });
        if !at_grade {
            // Reported whether it is reached or not ("24.9999999975%, not eligible"): exact
            // where the quotient ends, else to the 28 digits a decimal holds.
            let ratio = value(&report, "presale-permit", "progress_ratio").expect("the progress is reported");
            prop_assert!((ratio - Decimal::from(spent) / Decimal::from(total)).abs() <= Decimal::new(1, 26));
        }
    }

    /// Staged acceptance of the main structure from 10 floors (10层及以上), for prefab buildings
    /// other than venues and industrial buildings.
    #[test]
    fn staged_acceptance_from_ten_floors(floors in 0i64..40, use_ in prop::sample::select(vec!["residential", "public", "industrial", "venue"])) {
        let report = building(&[
            ("prefab", Fact::from(true)), ("use", word(use_)), ("floors", Fact::from(floors)),
            ("planning_conditions_date", Fact::from(ymd(2022, 1, 1))),
        ]);
        let eligible = floors >= 10 && (use_ == "residential" || use_ == "public");
        prop_assert_eq!(outcome(&report, "staged-structure-acceptance"), if eligible { Outcome::Eligible } else { Outcome::NotEligible });
        let guarantee = use_ == "residential" || use_ == "public";
        prop_assert_eq!(outcome(&report, "guarantee-instead-of-deposits"), if guarantee { Outcome::Eligible } else { Outcome::NotEligible });
    }

    /// The provident-fund quota may be up to 20% higher: the reported cap is 1.2 x the
    /// standard quota rounded down to the fen, only for a prefab commercial home.
    #[test]
    fn the_provident_fund_uplift_is_a_cap(quota in fen(10_000_000_000), loan in any::<bool>(), prefab in any::<bool>(), commercial in any::<bool>()) {
        let report = evaluate("home_purchase", &[
            ("provident_fund_loan", Fact::from(loan)), ("prefab", Fact::from(prefab)),
            ("commercial_housing", Fact::from(commercial)), ("standard_max_loan", num(quota)),
        ], as_of());
        let eligible = loan && prefab && commercial;
        prop_assert_eq!(outcome(&report, "provident-fund-uplift"), if eligible { Outcome::Eligible } else { Outcome::NotEligible });
        if eligible {
            let cap = amount(&report, "provident-fund-uplift").expect("a cap");
            let exact = quota * dec("1.2");
            prop_assert!(cap <= exact && exact - cap < dec("0.01"));
        } else {
            prop_assert_eq!(amount(&report, "provident-fund-uplift"), None);
        }
    }
}

proptest! {
    #![proptest_config(cases(256))]

    /// Ancillary land at most 15% of the site and ancillary floor area at most 30% (不超过):
    /// both caps reported rounded down, and each complies at its cap exactly.
    #[test]
    fn industrial_ancillary_caps_are_inclusive(site in 1i64..=100_000_000, floor in 1i64..=100_000_000, k in -2i64..=2, j in -2i64..=2) {
        let (site, floor) = (Decimal::new(site, 2), Decimal::new(floor, 2));
        let land = (floor_fen(site * dec("0.15")) + Decimal::new(k, 2)).max(Decimal::ZERO);
        let ancillary_floor = (floor_fen(floor * dec("0.30")) + Decimal::new(j, 2)).max(Decimal::ZERO);
        let report = evaluate("industrial_project", &[
            ("new", Fact::from(true)), ("in_industrial_park", Fact::from(true)), ("site_area", num(site)),
            ("ancillary_land_area", num(land)), ("floor_area", num(floor)), ("ancillary_floor_area", num(ancillary_floor)),
        ], as_of());
        let complies = land <= site * dec("0.15") && ancillary_floor <= floor * dec("0.30");
        prop_assert_eq!(outcome(&report, "industrial-ancillary-caps"), if complies { Outcome::Compliant } else { Outcome::NonCompliant });
        prop_assert_eq!(value(&report, "industrial-ancillary-caps", "ancillary_land_cap"), Some(floor_fen(site * dec("0.15"))));
        prop_assert_eq!(value(&report, "industrial-ancillary-caps", "ancillary_floor_cap"), Some(floor_fen(floor * dec("0.30"))));
    }

    /// A tenant's eligibility must have been reviewed within the last year: a review on the
    /// same day a year before complies (month ends clamp: 2024-02-29 looks back to 2023-02-28).
    #[test]
    fn the_annual_review_looks_back_one_year(on in day_between(ymd(2022, 6, 24), ymd(2027, 12, 31)), back in 300u64..=430) {
        let review = on - Days::new(back);
        let report = evaluate("tenant", &[("last_review_date", Fact::from(review))], on);
        let year_before = on.checked_sub_months(chrono::Months::new(12)).expect("a date");
        let expected = if review >= year_before { Outcome::Compliant } else { Outcome::NonCompliant };
        prop_assert_eq!(outcome(&report, "arh-annual-review"), expected);
    }

    /// The industrial-base award: 500,000 CNY for a national base, 200,000 CNY for a provincial
    /// one, for a designation inside the document's window (2022-06-19 to 2025-12-31).
    #[test]
    fn the_industrial_base_award_needs_a_designation_in_the_window(national in any::<bool>(), designated in any_day(),
                                                                  on in day_between(ymd(2022, 6, 19), ymd(2025, 12, 31))) {
        // A designation after the evaluation date is bad input (see the law below).
        prop_assume!(designated <= on);
        let designation = if national { "national_prefab_industry_base" } else { "provincial_industrialization_base" };
        let report = evaluate("enterprise", &[("designation", word(designation)), ("designated_on", Fact::from(designated))], on);
        let eligible = ymd(2022, 6, 19) <= designated && designated <= ymd(2025, 12, 31);
        prop_assert_eq!(outcome(&report, "industrial-base-award"), if eligible { Outcome::Eligible } else { Outcome::NotEligible });
        let award = if national { dec("500000") } else { dec("200000") };
        prop_assert_eq!(amount(&report, "industrial-base-award"), eligible.then_some(award));
    }
}

proptest! {
    /// A case states what is known on its date: any date fact of any subject after the
    /// evaluation date is an error naming the field and both dates, never a result; on the
    /// evaluation date itself it is a fact like any other.
    #[test]
    fn a_date_fact_after_the_evaluation_date_is_always_an_error(field in prop::sample::select(vec![
            ("building_project", "approval_date"), ("building_project", "planning_conditions_date"),
            ("building_project", "land_supply_date"), ("enterprise", "designated_on"),
            ("tenant", "last_review_date")]),
        on in any_day(), ahead in 0u64..3000) {
        let (subject, name) = field;
        let date = on.checked_add_days(chrono::Days::new(ahead)).expect("a date");
        let case = book().case(subject, &[(name, Fact::from(date))]).expect("a case");
        match book().evaluate(&case, on) {
            Ok(_) => prop_assert_eq!(ahead, 0, "{} = {} accepted on {}", name, date, on),
            Err(e) => {
                prop_assert!(ahead > 0, "{} on the evaluation date refused: {}", name, e);
                prop_assert_eq!(e.clause.as_deref(), None);
                let message = e.to_string();
                prop_assert!(message.contains(name) && message.contains(&date.to_string()) && message.contains(&on.to_string()), "{}", message);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Targets: reached at their figures (以上, 达到), judged after the document's end too

/// `(clause, deadline, goals)`: each goal a figure field and its target, or a ratio of two
/// fields and the share it must reach.
enum Goal {
    Count(&'static str, &'static str),
    Share(&'static str, &'static str, &'static str),
}

fn targets() -> Vec<(&'static str, NaiveDate, Vec<Goal>)> {
    use Goal::*;
    let end_2025 = ymd(2025, 12, 31);
    let end_2022 = ymd(2022, 12, 31);
    vec![
        (
            "green-two-star-share",
            end_2025,
            vec![Share(
                "two_star_plus_area",
                "new_civil_building_area",
                "0.45",
            )],
        ),
        (
            "green-three-star-share",
            end_2025,
            vec![Share("three_star_area", "new_civil_building_area", "0.07")],
        ),
        (
            "prefab-share",
            end_2025,
            vec![Share("prefab_area", "new_building_area", "0.40")],
        ),
        (
            "steel-share-of-prefab",
            end_2025,
            vec![Share("steel_prefab_area", "prefab_area", "0.40")],
        ),
        (
            "steel-housing-started",
            end_2022,
            vec![
                Count("steel_housing_started_area", "250000"),
                Count("rural_steel_housing_started_area", "25000"),
            ],
        ),
        (
            "arh-supply-14th-fyp",
            end_2025,
            vec![Count("arh_units_raised", "23710")],
        ),
        (
            "arh-starts-2022",
            end_2022,
            vec![
                Count("arh_starts_dev_zone", "1500"),
                Count("arh_starts_airport_zone", "1000"),
            ],
        ),
        (
            "accessibility-2022",
            end_2022,
            vec![
                Count("accessible_service_centres", "6"),
                Count("accessible_bank_outlets", "2"),
                Count("accessible_medical_sites", "1"),
                Count("accessible_city_living_rooms", "1"),
                Count("accessible_sports_venues", "2"),
            ],
        ),
    ]
}

fn is_int_field(name: &str) -> bool {
    name.starts_with("arh_") || name.starts_with("accessible_") || name.starts_with("communities_")
}

proptest! {
    #![proptest_config(cases(256))]

    /// Every target is reached at its figure exactly: on_track or met at the figure, behind or
    /// not_met one step below, met/not_met once the deadline has passed (also after the
    /// document's end), on_track/behind before.
    #[test]
    fn targets_are_reached_at_their_figures(which in any::<prop::sample::Index>(), steps in prop::collection::vec(-2i64..=2, 5),
                                            denominator in 100i64..=1_000_000_000, on in day_between(ymd(2022, 6, 24), ymd(2027, 12, 31)),
                                            done in 0i64..=50, undone in prop_oneof![Just(0i64), 1i64..=2]) {
        let all = targets();
        let (clause, deadline, goals) = &all[which.index(all.len())];
        let mut facts: Vec<(&str, Fact)> = Vec::new();
        let mut reached = true;
        for (goal, &k) in goals.iter().zip(&steps) {
            match *goal {
                Goal::Count(field, target) => {
                    let step = if is_int_field(field) { Decimal::ONE } else { dec("0.01") };
                    let figure = (dec(target) + step * Decimal::from(k)).max(Decimal::ZERO);
                    reached &= figure >= dec(target);
                    facts.push((field, num(figure)));
                }
                Goal::Share(numerator, denom, share) => {
                    let d = Decimal::new(denominator, 2);
                    let n = (floor_fen(d * dec(share)) + Decimal::new(k, 2)).max(Decimal::ZERO);
                    reached &= n >= d * dec(share);
                    facts.push((numerator, num(n)));
                    facts.push((denom, num(d)));
                }
            }
        }
        if *clause == "accessibility-2022" {
            // Every built community done: done = total.
            facts.push(("communities_total", Fact::from(done + undone)));
            facts.push(("communities_done", Fact::from(done)));
            reached &= undone == 0;
        }
        let expected = match (on > *deadline, reached) {
            (true, true) => Outcome::Met,
            (true, false) => Outcome::NotMet,
            (false, true) => Outcome::OnTrack,
            (false, false) => Outcome::Behind,
        };
        prop_assert_eq!(outcome(&evaluate("district", &facts, on), clause), expected, "{:?}", facts);
    }

    /// The prefab share outside the central city must be 30% or more and higher (高于) than
    /// the year before's, judged for each year 2022-2025 on its own figures (逐年): on_track or
    /// behind while the year runs, met or not_met once it has ended; no target for any
    /// other year.
    #[test]
    fn the_yearly_prefab_share_must_reach_30_percent_and_beat_last_year(d in 1i64..=1_000_000_000, k in -2i64..=2,
                                                                     last in 0i64..=10_000, last_k in -1i64..=1,
                                                                     on in day_between(ymd(2022, 6, 19), ymd(2027, 12, 31)),
                                                                     year in 2021i32..=2027) {
        use chrono::Datelike;
        // Figures of a year not yet begun are bad input (a test of its own, in the golden cases).
        prop_assume!(year <= on.year());
        let area = Decimal::new(d, 2);
        let prefab = (floor_fen(area * dec("0.3")) + Decimal::new(k, 2)).max(Decimal::ZERO);
        // Last year's share: random, or within a ten-thousandth of this year's.
        let last = if last_k == 0 { Decimal::new(last, 4) } else {
            (floor_fen((prefab / area) * dec("100")) / dec("100") + Decimal::new(last_k, 4)).clamp(Decimal::ZERO, Decimal::ONE)
        };
        let report = evaluate("district", &[
            ("figures_year", Fact::from(i64::from(year))),
            ("other_areas_new_civil_area", num(area)), ("other_areas_prefab_area", num(prefab)),
            ("other_areas_prefab_share_last_year", num(last)),
        ], on);
        let reached = prefab * dec("10") >= area * dec("3") && prefab > last * area;
        let ended = on > ymd(year, 12, 31);
        let expected = match (2022..=2025).contains(&year) {
            false => Outcome::NotInForce,
            true => match (ended, reached) {
                (true, true) => Outcome::Met,
                (true, false) => Outcome::NotMet,
                (false, true) => Outcome::OnTrack,
                (false, false) => Outcome::Behind,
            },
        };
        prop_assert_eq!(outcome(&report, "prefab-share-other-areas"), expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Documents in force: `not_in_force` exactly outside each document's window

/// The windows of the inventory (docs/inventory.md): (document, first day, last day).
fn windows() -> Vec<(&'static str, NaiveDate, Option<NaiveDate>)> {
    vec![
        ("kq-2022-12", ymd(2022, 5, 9), None),
        ("kq-2022-14", ymd(2022, 6, 19), Some(ymd(2025, 12, 31))),
        ("kq-2022-15", ymd(2022, 6, 24), None),
    ]
}

#[test]
fn the_rulebook_has_the_windows_of_the_inventory() {
    for (id, from, until) in windows() {
        let doc = book()
            .document(id)
            .unwrap_or_else(|| panic!("no document {id}"));
        assert_eq!((doc.from, doc.until), (from, until), "{id}");
    }
}

proptest! {
    #![proptest_config(cases(256))]

    /// On any day, a clause is not_in_force exactly when the day is outside its document's
    /// window; a target (every district clause) only before the start, never after the end.
    #[test]
    fn clauses_are_in_force_exactly_inside_their_window(on in any_day()) {
        for subject in &book().schema.subjects {
            let case = book().case(&subject.name, &[]).expect("an empty case");
            let report = book().evaluate(&case, on).expect("an empty case evaluates");
            for r in &report.results {
                let (_, from, until) = windows().into_iter().find(|w| w.0 == r.document)
                    .unwrap_or_else(|| panic!("{} is in a document with no computable clause: {}", r.clause, r.document));
                let target = subject.name == "district";
                let outside = on < from || (!target && until.is_some_and(|u| on > u));
                prop_assert_eq!(r.outcome == Outcome::NotInForce, outside, "{} on {}: {}", r.clause, on, r.outcome);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generated cases of every subject, from the declared fields

/// A generated fact and whether the partial case keeps it.
#[derive(Clone, Debug)]
pub(crate) struct GenField {
    name: String,
    fact: GenFact,
    keep: bool,
}

#[derive(Clone, Debug)]
enum GenFact {
    Plain(Fact),
    /// Items of a list, each field with its own keep flag.
    Items(Vec<Vec<(String, Fact, bool)>>),
}

/// Numbers near the figures the rules compare with, or any amount to the fen.
fn number_for(field: &'static Field) -> BoxedStrategy<Decimal> {
    let (min, max) = (field.min, field.max);
    let s: BoxedStrategy<Decimal> = if field.integer {
        prop_oneof![
            0i64..=12,
            prop::sample::select(vec![
                1000i64, 1500, 1499, 23709, 23710, 100, 2022, 2025, 2026
            ])
        ]
        .prop_map(Decimal::from)
        .boxed()
    } else if field.unit_label == "ratio" {
        (0i64..=10_000).prop_map(|n| Decimal::new(n, 4)).boxed()
    } else {
        let figures: Vec<Decimal> = [
            "0",
            "0.01",
            "1",
            "35",
            "50",
            "50.01",
            "70",
            "70.01",
            "90",
            "90.01",
            "1000",
            "20000",
            "20000.01",
            "25000",
            "50000",
            "50000.01",
            "100000",
            "100000.01",
            "250000",
        ]
        .iter()
        .map(|s| dec(s))
        .collect();
        prop_oneof![prop::sample::select(figures), fen(100_000_000_000)].boxed()
    };
    s.prop_map(move |d| {
        let d = max.map_or(d, |m| d.min(m));
        min.map_or(d, |m| d.max(m))
    })
    .boxed()
}

/// The facts as known on `on`: a date after it moved back to it (a date after the evaluation
/// date is bad input, a law of its own), so that the laws below see evaluated cases.
pub(crate) fn known_on(mut fields: Vec<GenField>, on: NaiveDate) -> Vec<GenField> {
    let clamp = |f: &mut Fact| {
        if let Fact::Date(d) = f {
            *d = (*d).min(on);
        }
    };
    for field in &mut fields {
        match &mut field.fact {
            GenFact::Plain(f) => clamp(f),
            GenFact::Items(items) => items.iter_mut().flatten().for_each(|(_, f, _)| clamp(f)),
        }
    }
    fields
}

fn fact_for(field: &'static Field) -> BoxedStrategy<Fact> {
    let sets = &book().schema.word_sets;
    match field.ty {
        Type::Bool => any::<bool>().prop_map(Fact::Bool).boxed(),
        Type::Date => any_day().prop_map(Fact::Date).boxed(),
        Type::Num(_) => number_for(field).prop_map(Fact::Num).boxed(),
        Type::Word(w) => prop::sample::select(sets[w as usize].words.clone())
            .prop_map(Fact::Word)
            .boxed(),
        Type::Words(w) => prop::sample::subsequence(
            sets[w as usize].words.clone(),
            0..=sets[w as usize].words.len(),
        )
        .prop_map(Fact::Words)
        .boxed(),
        Type::Duration | Type::List(_) => unreachable!("not a plain field"),
    }
}

fn gen_field(field: &'static Field) -> BoxedStrategy<GenField> {
    let name = field.name.clone();
    let fact = match field.ty {
        Type::List(rec) => {
            let item_fields = &book().schema.records[rec as usize].fields;
            let item: Vec<BoxedStrategy<(String, Fact, bool)>> = item_fields
                .iter()
                .map(|f| {
                    let n = f.name.clone();
                    (fact_for(f), prop::bool::weighted(0.8))
                        .prop_map(move |(x, keep)| (n.clone(), x, keep))
                        .boxed()
                })
                .collect();
            prop::collection::vec(item, 0..4)
                .prop_map(GenFact::Items)
                .boxed()
        }
        _ => fact_for(field).prop_map(GenFact::Plain).boxed(),
    };
    (fact, prop::bool::weighted(0.7))
        .prop_map(move |(fact, keep)| GenField {
            name: name.clone(),
            fact,
            keep,
        })
        .boxed()
}

/// A value for each field of `subject`, each marked kept or left out of the partial case.
pub(crate) fn gen_subject(subject: &str) -> impl Strategy<Value = Vec<GenField>> {
    let (i, _) = book().schema.subject(subject).expect("a subject");
    let fields: Vec<_> = book()
        .schema
        .record_of(i)
        .fields
        .iter()
        .map(gen_field)
        .collect();
    fields
}

/// A subject and a value for each of its fields, each marked kept or left out of the partial case.
pub(crate) fn gen_case() -> impl Strategy<Value = (String, Vec<GenField>)> {
    let subjects = &book().schema.subjects;
    (0..subjects.len()).prop_flat_map(|i| {
        let subject = &book().schema.subjects[i];
        let fields: Vec<_> = book()
            .schema
            .record_of(i as u16)
            .fields
            .iter()
            .map(gen_field)
            .collect();
        (Just(subject.name.clone()), fields)
    })
}

/// The case with every generated fact (`partial`: only those kept).
pub(crate) fn build(subject: &str, fields: &[GenField], partial: bool) -> Case {
    book()
        .case(subject, &facts_of(fields, partial))
        .unwrap_or_else(|e| panic!("generated facts are valid:\n{e}"))
}

/// The facts of `fields` (`partial`: only those kept, and of items only the fields kept).
fn facts_of(fields: &[GenField], partial: bool) -> Vec<(&str, Fact)> {
    fields
        .iter()
        .filter(|f| !partial || f.keep)
        .map(|f| {
            let fact = match &f.fact {
                GenFact::Plain(x) => x.clone(),
                GenFact::Items(items) => Fact::Items(
                    items
                        .iter()
                        .map(|item| {
                            item.iter()
                                .filter(|(_, _, keep)| !partial || *keep)
                                .map(|(n, x, _)| (n.clone(), x.clone()))
                                .collect()
                        })
                        .collect(),
                ),
            };
            (f.name.as_str(), fact)
        })
        .collect()
}

proptest! {
    #![proptest_config(cases(256))]

    /// Leaving facts out never changes an outcome that was decided without them: every
    /// result of the partial case that is decided is the same in the full case (`required`
    /// may become compliant or non_compliant; an `eligible` without its amount may gain it).
    #[test]
    fn a_missing_fact_never_changes_a_decided_outcome((subject, fields) in gen_case(), on in any_day()) {
        let fields = known_on(fields, on);
        let full = book().evaluate(&build(&subject, &fields, false), on);
        let partial = book().evaluate(&build(&subject, &fields, true), on);
        let (Ok(full), Ok(partial)) = (full, partial) else { return Ok(()) };
        for (p, f) in partial.results.iter().zip(&full.results) {
            prop_assert_eq!(&p.clause, &f.clause);
            match p.outcome {
                Outcome::Undetermined => continue,
                Outcome::Required => prop_assert!(
                    matches!(f.outcome, Outcome::Required | Outcome::Compliant | Outcome::NonCompliant),
                    "{}: required without the facts, {} with them", p.clause, f.outcome
                ),
                o => prop_assert_eq!(o, f.outcome, "{}: {} without the facts, {} with them", p.clause, o, f.outcome),
            }
            if p.amount.is_some() {
                prop_assert_eq!(&p.amount, &f.amount, "{}", p.clause);
            }
            for (name, q) in &p.values.0 {
                prop_assert_eq!(Some(q), f.values.get(name), "{}: value {}", p.clause, name);
            }
        }
    }

    /// Any case of any subject keeps the laws of a case: it writes back to TOML and to JSON as
    /// the same case, evaluates the same twice, and its JSON report round-trips (and keeps the
    /// report's laws: one result per clause, amounts to the fen, ...).
    #[test]
    fn a_case_keeps_the_laws_of_a_case((subject, fields) in gen_case(), on in any_day(), partial in any::<bool>()) {
        let case = build(&subject, &fields, partial).on(on);
        checks::check_case(book(), &case);
    }

    /// Evaluation is deterministic and the JSON report round-trips exactly.
    #[test]
    fn evaluation_is_deterministic_and_the_report_round_trips((subject, fields) in gen_case(), on in any_day()) {
        let fields = known_on(fields, on);
        let case = build(&subject, &fields, false);
        let first = book().evaluate(&case, on);
        prop_assert_eq!(&first, &book().evaluate(&case, on));
        if let Ok(report) = first {
            let text = serde_json::to_string(&report).expect("serialises");
            let back: Report = serde_json::from_str(&text).expect("deserialises");
            prop_assert_eq!(back, report);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What would change a result (changes and margins)

/// The fields a case's facts are given in, with one fact set: `rent`, or an item's field
/// `units[2].area` (1-based), kept in the partial case too.
fn with_fact(fields: &[GenField], name: &str, fact: Fact) -> Vec<GenField> {
    let mut out = fields.to_vec();
    let (list, rest) = match name.split_once('[') {
        Some((list, rest)) => (list, Some(rest)),
        None => (name, None),
    };
    let Some(f) = out.iter_mut().find(|f| f.name == list) else {
        panic!("a change names {name}, which the subject does not have");
    };
    f.keep = true;
    match (rest, &mut f.fact) {
        (None, GenFact::Plain(x)) => *x = fact,
        (Some(rest), GenFact::Items(items)) => {
            let (index, field) = rest.split_once("].").expect("units[N].field");
            let index = index.parse::<usize>().expect("an index") - 1;
            // One past the last item: a new item (a change that adds units).
            if index == items.len() {
                items.push(Vec::new());
            }
            let item = &mut items[index];
            match item.iter_mut().find(|(n, _, _)| n == field) {
                Some(slot) => *slot = (field.to_string(), fact, true),
                None => item.push((field.to_string(), fact, true)),
            }
        }
        _ => panic!("{name} is not where the change puts it"),
    }
    out
}

/// A changed fact's value as a fact, and the value one step short of it (`None` past the
/// field's bounds or where there is no step: a yes/no, a word).
fn fact_and_step(c: &FactChange) -> Option<(Fact, Option<Fact>)> {
    let short = |relation: Relation| match relation {
        Relation::AtLeast => -1,
        Relation::AtMost => 1,
        _ => 0,
    };
    Some(match c.value.as_ref()? {
        FactValue::Number(q) => {
            let v: Decimal = q.value().parse().expect("a decimal");
            let step = match q.unit() {
                "" => Decimal::ONE,
                "ratio" => dec("0.0001"),
                _ => dec("0.01"),
            };
            let k = short(c.relation);
            let before = (k != 0).then(|| Fact::Num(v + step * Decimal::from(k)));
            (Fact::Num(v), before)
        }
        FactValue::Bool(b) => (Fact::Bool(*b), None),
        FactValue::Text(t) => match t.parse::<NaiveDate>() {
            Ok(d) => {
                let k = short(c.relation);
                let before = (k != 0).then(|| {
                    Fact::Date(if k < 0 {
                        d - Days::new(1)
                    } else {
                        d + Days::new(1)
                    })
                });
                (Fact::Date(d), before)
            }
            Err(_) => (Fact::word(t), None),
        },
    })
}

/// The names of the facts a clause reads: its subject's fields and `list.field` for its
/// lists' item fields.
fn read_by(clause: &policy_calc::rulebook::Clause, subject: &str) -> Vec<String> {
    use policy_calc::expr::ExprKind;
    let (id, _) = book().schema.subject(subject).expect("a subject");
    let rec = book().schema.record_of(id);
    let mut names = Vec::new();
    for e in clause.exprs() {
        e.walk(&mut |x| {
            if let ExprKind::Field(i) = x.kind {
                names.push(rec.fields[i as usize].name.clone());
            }
            if let ExprKind::Agg {
                list, body, filter, ..
            } = &x.kind
            {
                let Type::List(r) = rec.fields[*list as usize].ty else {
                    return;
                };
                for inner in body.iter().chain(filter.iter()) {
                    inner.walk(&mut |y| {
                        if let ExprKind::ItemField(j) = y.kind {
                            names.push(format!(
                                "{}.{}",
                                rec.fields[*list as usize].name,
                                book().schema.records[r as usize].fields[j as usize].name
                            ));
                        }
                    });
                }
            }
        });
    }
    names
}

proptest! {
    #![proptest_config(cases(48))]

    /// Every change proposed for any result of any case, applied alone, gives the outcome it
    /// states; one step short of a numeric or date bound (0.01, one unit, one day) does not;
    /// and no change names a fact its clause does not read. Margins likewise: the nearest
    /// value that turns a favourable result turns it, one step back does not.
    #[test]
    fn a_proposed_change_gives_its_outcome_and_one_step_short_does_not((subject, fields) in gen_case(), on in any_day()) {
        let fields = known_on(fields, on);
        let case = build(&subject, &fields, true);
        let Ok(report) = book().evaluate_with_changes(&case, on) else { return Ok(()) };
        let clauses = &book().by_subject[case.subject_index() as usize];
        for (r, &ci) in report.results.iter().zip(clauses) {
            let read = read_by(&book().clauses[ci], &subject);
            'changes: for c in r.changes.iter().chain(&r.margin) {
                let mut changed = fields.clone();
                let mut short = None;
                for fc in &c.facts {
                    let plain = fc.fact.split('[').next().unwrap_or_default().to_string();
                    let item_name = fc.fact.split_once("].").map(|(l, f)| format!("{}.{}", l.split('[').next().unwrap_or_default(), f));
                    prop_assert!(read.contains(&plain) || item_name.is_some_and(|n| read.contains(&n)),
                        "{}: {} names a fact the clause does not read", r.clause, c);
                    if fc.relation == Relation::Any {
                        // Any value: each of a set of telling ones (the schema's bounds aside).
                        for v in ["0", "1", "9", "10", "50.01", "70", "70.01", "2021", "2022", "2025", "2026", "100000.01", "999999999"] {
                            let one = with_fact(&fields, &fc.fact, Fact::Num(dec(v)));
                            let Ok(case2) = book().case(&subject, &facts_of(&one, true)) else { continue };
                            let got = book().evaluate(&case2, on).ok().and_then(|rep| rep.result(&r.clause).map(|x| x.outcome));
                            prop_assert_eq!(got, Some(c.outcome), "{}: {} but {} = {}", r.clause, c, fc.fact, v);
                        }
                        continue 'changes;
                    }
                    let Some((fact, before)) = fact_and_step(fc) else { continue };
                    if c.facts.len() == 1 {
                        short = before;
                    }
                    changed = with_fact(&changed, &fc.fact, fact);
                }
                let Ok(case2) = book().case(&subject, &facts_of(&changed, true)) else { continue };
                let got = book().evaluate(&case2, on).ok().and_then(|rep| rep.result(&r.clause).map(|x| x.outcome));
                prop_assert_eq!(got, Some(c.outcome), "{}: {} on {}", r.clause, c, on);
                if let Some(before) = short {
                    let fc = &c.facts[0];
                    let shorter = with_fact(&changed, &fc.fact, before);
                    if let Ok(case3) = book().case(&subject, &facts_of(&shorter, true)) {
                        let got = book().evaluate(&case3, on).ok().and_then(|rep| rep.result(&r.clause).map(|x| x.outcome));
                        prop_assert_ne!(got, Some(c.outcome), "{}: {} holds one step short too", r.clause, c);
                    }
                }
            }
        }
    }
}

#[test]
fn a_change_another_clause_refuses_is_not_proposed() {
    // The example building project, not prefab, with components costing more than the whole
    // installation. Made prefab, it would pass invited-tendering's test, but the warranty
    // deposit would then deduct the components (12,000,000.00) and the decoration
    // (8,000,000.00) from an installation cost of 10,000,000.00: below zero, which its guard
    // refuses as bad input. So `prefab = true` is no change to propose, for any clause.
    let text =
        std::fs::read_to_string(crate::common::root().join("examples/building_project.toml"))
            .unwrap()
            .replace("prefab = true", "prefab = false")
            .replace(
                "installation_cost = 50_000_000.00",
                "installation_cost = 10_000_000.00",
            );
    let case = book().case_from_text(&text, "refused.toml").unwrap();
    let report = book()
        .evaluate_with_changes(&case, case.as_of().unwrap())
        .unwrap();
    let tendering = report.result("invited-tendering").unwrap();
    assert_eq!(tendering.outcome, Outcome::NotEligible);
    for r in &report.results {
        for c in r.changes.iter().chain(&r.margin) {
            assert!(
                !c.facts
                    .iter()
                    .any(|f| f.fact == "prefab" && f.value == Some(FactValue::Bool(true))),
                "{}: {c}",
                r.clause
            );
        }
    }
}

/// The test clause of [`rural_book`] eligible where `test` holds, beside a clause that refuses
/// as bad input every case where `refused` holds.
fn refusing_book(name: &str, test: &str, refused: &str) -> policy_calc::Rulebook {
    let guarded = format!(
        r#"
[[clause]]
id = "guarded"
subject = "rural_housing"
kind = "entitlement"
section = "三（六）"
quote = "予以200元/平方米的一次性资金补助"
summary = "a test clause that refuses some cases"
eligible = "new"

[[clause.guard]]
expr = "not ({refused})"
message = "a case this test refuses"
"#
    );
    load_test_rules(name, &(all_at_once_clause(test) + &guarded))
}

#[test]
fn a_bound_or_a_set_of_facts_another_clause_refuses_is_not_proposed() {
    let case = "[rural_housing]\nnew = false\nprefab = false\nstructure = \"steel\"\nwhole_village = false\nfloor_area = 50\n";
    // (rules, the test clause's test, what another clause refuses, the changes stated): a
    // bound is checked on the whole case at its value as stated (refused from 100 m2, not at
    // 99.99 m2), and so is a set of facts (only new and prefab together turn the test); each
    // beside the same where nothing refuses it, to show the clause turns there.
    let cases: [(&str, &str, &str, &[&str]); 4] = [
        (
            "refused-bound",
            "floor_area >= 100 m2",
            "floor_area >= 100 m2",
            &[],
        ),
        (
            "kept-bound",
            "floor_area >= 100 m2",
            "floor_area >= 200 m2",
            &["floor_area at_least 100.00 m2 => eligible"],
        ),
        ("refused-set", "new and prefab", "new and prefab", &[]),
        (
            "kept-set",
            "new and prefab",
            "floor_area >= 200 m2",
            &["new equals true and prefab equals true => eligible"],
        ),
    ];
    for (name, test, refused, expected) in cases {
        let (changes, words) = all_at_once(&refusing_book(name, test, refused), case);
        let stated: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(stated, expected, "{name}: {words}");
    }
}

/// A test clause of the rural housing subject, eligible when `TEST` holds (in the rural
/// subsidy's document, in force from 2022-06-19).
fn rural_book(name: &str, test: &str) -> policy_calc::Rulebook {
    load_test_rules(name, &all_at_once_clause(test))
}

/// The test clause of [`rural_book`].
fn all_at_once_clause(test: &str) -> String {
    format!(
        r#"
[[clause]]
id = "all-at-once"
subject = "rural_housing"
kind = "entitlement"
section = "三（六）"
quote = "予以200元/平方米的一次性资金补助"
summary = "a test clause"
eligible = "{test}"
"#
    )
}

/// The built-in rules with `clauses` added, in a copy made for `name`.
fn load_test_rules(name: &str, clauses: &str) -> policy_calc::Rulebook {
    policy_calc::Rulebook::load_dir(&crate::hardening::rules_with(name, clauses))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The changes of the test clause for a case of rural housing, and its report in words.
fn all_at_once(
    book: &policy_calc::Rulebook,
    case: &str,
) -> (Vec<policy_calc::changes::Change>, String) {
    let case = book.case_from_toml(case, "case.toml").expect("case reads");
    let report = book
        .evaluate_with_changes(&case, crate::common::date("2023-03-01"))
        .expect("evaluates");
    let r = report.result("all-at-once").expect("a result");
    assert_eq!(r.outcome, Outcome::NotEligible);
    let words = policy_calc::human::report(
        "case.toml",
        &report,
        book,
        policy_calc::labels::Lang::En,
        false,
    );
    (r.changes.clone(), words)
}

#[test]
fn a_result_that_only_three_facts_at_once_turn_gets_that_set_of_three() {
    let book = rural_book("three-facts", "new and prefab and floor_area >= 100 m2");
    // Not new, not prefab, 50 m2: each of the three alone, and any two, leave it failing.
    let case = "[rural_housing]\nnew = false\nprefab = false\nstructure = \"steel\"\nwhole_village = false\nfloor_area = 50\n";
    let (changes, words) = all_at_once(&book, case);
    // By hand: the test needs all three; the area's bound is 100 m2 itself (>= includes it),
    // on the grid of 0.01 m2; the facts in the subject's order (new, prefab, floor_area).
    let stated: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        stated,
        ["new equals true and prefab equals true and floor_area at_least 100.00 m2 => eligible"],
        "{words}"
    );
    assert!(!words.contains("no change of up to"), "{words}");
    // One step short of the area's bound, the other two changed, it does not turn.
    let short = "[rural_housing]\nnew = true\nprefab = true\nstructure = \"steel\"\nwhole_village = false\nfloor_area = 99.99\n";
    let case = book.case_from_toml(short, "short.toml").unwrap();
    let report = book
        .evaluate(&case, crate::common::date("2023-03-01"))
        .unwrap();
    assert_eq!(
        report.result("all-at-once").unwrap().outcome,
        Outcome::NotEligible
    );
}

#[test]
fn a_result_that_needs_more_facts_than_the_bound_says_no_change_was_found() {
    let book = rural_book(
        "four-facts",
        "new and prefab and whole_village and floor_area >= 100 m2",
    );
    let case = "[rural_housing]\nnew = false\nprefab = false\nstructure = \"steel\"\nwhole_village = false\nfloor_area = 50\n";
    let (changes, words) = all_at_once(&book, case);
    // Four facts are needed together; the search stops at three and says so.
    assert!(changes.is_empty(), "{changes:?}");
    assert!(
        words.contains("      > no change of up to 3 facts at once found that would turn it\n"),
        "{words}"
    );
}

proptest! {
    #![proptest_config(cases(24))]

    /// A timeline lists exactly the days on which a result changes: the day before each listed
    /// date shows its `before` and the date its `after`, and on any day of the range each
    /// result is what it was on its last listed change (or on the first day).
    #[test]
    fn a_timeline_lists_every_change_and_only_changes((subject, fields) in gen_case(), days in prop::collection::vec(0i64..1_640, 8)) {
        use policy_calc::timeline::timeline;
        let (from, to) = (ymd(2022, 1, 1), ymd(2026, 6, 28));
        let case = build(&subject, &fields, true);
        let Ok(t) = timeline(book(), &case, from, to) else { return Ok(()) };
        let start = t.known_from.unwrap_or(from);
        for c in &t.changes {
            let before = book().evaluate(&case, c.date.pred_opt().expect("a day")).expect("evaluates");
            let after = book().evaluate(&case, c.date).expect("evaluates");
            prop_assert_eq!(before.result(&c.clause), Some(&c.before));
            prop_assert_eq!(after.result(&c.clause), Some(&c.after));
        }
        let first = book().evaluate(&case, start).expect("evaluates");
        for d in days {
            let day = from + chrono::Duration::days(d);
            if day < start {
                continue;
            }
            let report = book().evaluate(&case, day).expect("evaluates");
            for r in &report.results {
                let last = t.changes.iter().rfind(|c| c.clause == r.clause.as_str() && c.date <= day);
                let want = match last {
                    Some(c) => &c.after,
                    None => first.result(&r.clause).expect("a result"),
                };
                prop_assert_eq!((r.outcome, &r.amount, &r.values), (want.outcome, &want.amount, &want.values), "{} on {}", r.clause, day);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Exact decimals in TOML and JSON cases

/// Any decimal of up to 28 significant digits and up to 28 decimals, not negative.
fn decimal28() -> impl Strategy<Value = Decimal> {
    (
        prop_oneof![0u128..=1_000_000, 0u128..10u128.pow(28)],
        0u32..=28,
    )
        .prop_map(|(m, s)| Decimal::from_i128_with_scale(m as i128, s))
}

/// How to write a decimal in scientific notation.
#[derive(Clone, Debug)]
struct Sci {
    /// Digits of the mantissa before its point (taken modulo their number, at least one).
    point: usize,
    /// Zeros after the mantissa's last digit (`1.50e-27`), as far as 28 decimals allow.
    trailing: usize,
    /// Zeros after `0.` before the digits (`0.0015e-24`), as far as 28 decimals allow.
    leading: usize,
    upper: bool,
    plus: bool,
}

fn sci() -> impl Strategy<Value = Sci> {
    (
        any::<usize>(),
        0usize..=3,
        prop_oneof![Just(0usize), 1usize..=8],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(point, trailing, leading, upper, plus)| Sci {
            point,
            trailing,
            leading,
            upper,
            plus,
        })
}

/// `d` written as `how` says: the mantissa's digits times ten to some power.
fn scientific(d: Decimal, how: &Sci) -> String {
    let digits = d.mantissa().to_string();
    let (mant, fraction_digits) = if how.leading > 0 && digits.len() + how.leading <= 28 {
        (
            format!("0.{}{digits}", "0".repeat(how.leading)),
            how.leading + digits.len(),
        )
    } else {
        let point = 1 + how.point % digits.len();
        let (int, frac) = digits.split_at(point);
        let zeros = how.trailing.min(28 - frac.len());
        let frac = format!("{frac}{}", "0".repeat(zeros));
        let mant = if frac.is_empty() {
            int.to_string()
        } else {
            format!("{int}.{frac}")
        };
        (mant, frac.len() - zeros)
    };
    let exp = fraction_digits as i64 - i64::from(d.scale());
    let e = if how.upper { "E" } else { "e" };
    let sign = if how.plus && exp >= 0 { "+" } else { "" };
    format!("{mant}{e}{sign}{exp}")
}

/// An edit to a JSON case: at a byte (any, taken modulo the length), cut up to two bytes and
/// put in a piece of JSON that the direct reader must either read right or leave alone.
pub(crate) fn json_edit() -> impl Strategy<Value = (usize, usize, &'static str)> {
    let pieces = vec![
        "",
        ",",
        "}",
        "]",
        "{",
        "[",
        "\"",
        ":",
        " ",
        "\\u0061",
        "\\n",
        "\t",
        "1e3",
        "0",
        "00",
        "-",
        ".",
        ".5",
        "5.",
        "-0",
        "0.0",
        "null",
        "true",
        "false",
        "truex",
        "12345678901234567890",
        "0.0000000000000000000000000001",
        "9999999999999999999",
        "\"as_of\": \"2023-02-29\",",
        "\"as_of\": \"2024-02-29\",",
        "\"rural_housing\": {},",
        "\"x\": 1,",
        "{\"area\": 1, \"count\": 2},",
        "\"units\": [],",
    ];
    (any::<usize>(), 0usize..3, prop::sample::select(pieces))
}

fn floor_area_of(case: &Case) -> Option<Value> {
    let rec = book().schema.record_of(case.subject_index());
    case.facts().values[rec.by_name["floor_area"] as usize]
}

proptest! {
    #![proptest_config(cases(256))]

    /// A decimal written into a TOML case, plain, in scientific notation or as a string, is
    /// read exactly (never through a binary float).
    #[test]
    fn decimals_in_toml_are_read_exactly(d in decimal28(), how in sci()) {
        let sci = scientific(d, &how);
        for text in [d.to_string(), sci.clone(), format!("\"{d}\""), format!("\"{sci}\"")] {
            let case = book().case_from_toml(&format!("[rural_housing]\nfloor_area = {text}\n"), "c.toml")
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            prop_assert_eq!(floor_area_of(&case), Some(Value::Num(d)), "{}", text);
        }
    }

    /// The same in a JSON case.
    #[test]
    fn decimals_in_json_are_read_exactly(d in decimal28(), how in sci()) {
        let sci = scientific(d, &how);
        for text in [d.to_string(), sci.clone(), format!("\"{d}\""), format!("\"{sci}\"")] {
            let case = book().case_from_json(&format!("{{\"rural_housing\": {{\"floor_area\": {text}}}}}"), "c.json")
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            prop_assert_eq!(floor_area_of(&case), Some(Value::Num(d)), "{}", text);
        }
    }

    /// The same facts given in code, as TOML or as JSON make the same case.
    #[test]
    fn code_toml_and_json_make_the_same_case((subject, fields) in gen_case()) {
        let case = build(&subject, &fields, true);
        let toml = checks::case_to_toml(book(), &case);
        let json = checks::case_to_json(book(), &case);
        prop_assert_eq!(&book().case_from_toml(&toml, "c.toml").expect("reads"), &case, "{}", toml);
        prop_assert_eq!(&book().case_from_json(&json, "c.json").expect("reads"), &case, "{}", json);
    }
}

// ---------------------------------------------------------------------------------------------
// Expressions: the printed form parses back the same

fn ast(kind: AstKind) -> Ast {
    Ast {
        kind,
        span: Span::default(),
    }
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a",
        "b",
        "floor_area",
        "units",
        "x_1",
        "_y",
        "CNY",
        "m2",
        "years",
        "day",
        "min",
        "sum",
    ])
    .prop_map(str::to_string)
}

fn leaf() -> impl Strategy<Value = Ast> {
    let unit = prop::sample::select(vec![
        Unit::ONE,
        Unit::CNY,
        Unit::M2,
        Unit { cny: 1, m2: -1 },
        Unit { cny: -1, m2: 1 },
    ]);
    prop_oneof![
        ((0i64..=10_000_000, 0u32..=6), unit).prop_map(|((m, s), unit)| ast(AstKind::Num {
            value: Decimal::new(m, s),
            unit,
            percent: false
        })),
        (0i64..=100_000, 0u32..=4).prop_map(|(m, s)| ast(AstKind::Num {
            value: Decimal::new(m, s) / Decimal::ONE_HUNDRED,
            unit: Unit::ONE,
            percent: true
        })),
        (0i32..=1200, any::<bool>()).prop_map(|(n, months)| ast(AstKind::Dur(if months {
            Duration { months: n, days: 0 }
        } else {
            Duration { months: 0, days: n }
        }))),
        any::<bool>().prop_map(|b| ast(AstKind::Bool(b))),
        day_between(ymd(1000, 1, 1), ymd(9999, 12, 31)).prop_map(|d| ast(AstKind::Date(d))),
        name().prop_map(|n| ast(AstKind::Ident(n))),
    ]
}

fn any_ast() -> impl Strategy<Value = Ast> {
    let ops = vec![
        BinOp::Or,
        BinOp::And,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::In,
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
    ];
    leaf().prop_recursive(6, 64, 4, move |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| ast(AstKind::Not(Box::new(a)))),
            inner.clone().prop_map(|a| ast(AstKind::Neg(Box::new(a)))),
            (
                prop::sample::select(ops.clone()),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, l, r)| ast(AstKind::Bin(op, Box::new(l), Box::new(r)))),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(c, a, b)| ast(AstKind::If(
                Box::new(c),
                Box::new(a),
                Box::new(b)
            ))),
            (name(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(n, args)| ast(AstKind::Call(n, args))),
            prop::collection::vec(inner, 0..3).prop_map(|items| ast(AstKind::List(items))),
        ]
    })
}

/// Expression text from a small grammar, with redundant parentheses and odd spacing.
fn expression_text() -> impl Strategy<Value = String> {
    let atom = prop::sample::select(vec![
        "a",
        "floor_area",
        "1",
        "2.50",
        "80%",
        "70 m2",
        "200 CNY/m2",
        "2021-01-27",
        "true",
        "1 year",
        "3 days",
        "x_1",
        "m2",
        "1_000",
    ])
    .prop_map(str::to_string);
    atom.prop_recursive(5, 48, 3, |inner| {
        let op = prop::sample::select(vec![
            "+", "-", "*", "/", "and", "or", "==", "!=", "<", "<=", ">", ">=", "in",
        ]);
        let space = prop::sample::select(vec![" ", "  ", "\t", "\n "]);
        prop_oneof![
            (inner.clone(), op, inner.clone(), space.clone())
                .prop_map(|(l, op, r, s)| format!("({l}{s}{op}{s}{r})")),
            inner.clone().prop_map(|a| format!("(not ({a}))")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.clone().prop_map(|a| format!("(({a}))")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
            prop::collection::vec(inner.clone(), 0..3)
                .prop_map(|v| format!("max({})", v.join(", "))),
            prop::collection::vec(inner, 0..3).prop_map(|v| format!("[{}]", v.join(","))),
        ]
    })
}

proptest! {
    #![proptest_config(cases(256))]

    /// A tree printed parses back to the same tree, and printing is a fixed point.
    #[test]
    fn a_printed_expression_parses_back_the_same(tree in any_ast()) {
        let printed = tree.to_string();
        let again = parse(&printed).unwrap_or_else(|e| panic!("`{printed}` does not parse: {e:?}"));
        prop_assert!(same_expression(&tree, &again), "`{}` parses as `{}`", printed, again);
        prop_assert_eq!(again.to_string(), printed);
    }

    /// Text from the grammar parses, and its printed form parses back the same.
    #[test]
    fn expression_text_parses_and_prints_back_the_same(text in expression_text()) {
        let tree = parse(&text).unwrap_or_else(|e| panic!("`{text}` does not parse: {e:?}"));
        let printed = tree.to_string();
        let again = parse(&printed).unwrap_or_else(|e| panic!("`{text}` prints as `{printed}`, which does not parse: {e:?}"));
        prop_assert!(same_expression(&tree, &again), "`{}` prints as `{}`", text, printed);
    }
}
