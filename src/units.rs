//! Units of measure and the types of the expression language.

use std::fmt;

/// A unit as powers of the two base dimensions the gazette uses: yuan and square metres.
/// `Unit::ONE` is a pure number (a count, a ratio, a percentage).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Unit {
    pub cny: i8,
    pub m2: i8,
}

impl Unit {
    pub const ONE: Unit = Unit { cny: 0, m2: 0 };
    pub const CNY: Unit = Unit { cny: 1, m2: 0 };
    pub const M2: Unit = Unit { cny: 0, m2: 1 };

    /// Reads a unit name: `CNY`, `m2`, `CNY/m2`, `1`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Unit> {
        let mut parts = text.split('/');
        let num = parts.next()?;
        let den = parts.next();
        if parts.next().is_some() {
            return None;
        }
        let base = |s: &str| match s.trim() {
            "CNY" => Some(Unit::CNY),
            "m2" => Some(Unit::M2),
            "1" => Some(Unit::ONE),
            _ => None,
        };
        let n = base(num)?;
        match den {
            None => Some(n),
            Some(d) => n.per(base(d)?),
        }
    }

    #[must_use]
    pub fn times(self, other: Unit) -> Option<Unit> {
        Some(Unit {
            cny: self.cny.checked_add(other.cny)?,
            m2: self.m2.checked_add(other.m2)?,
        })
    }

    #[must_use]
    pub fn per(self, other: Unit) -> Option<Unit> {
        Some(Unit {
            cny: self.cny.checked_sub(other.cny)?,
            m2: self.m2.checked_sub(other.m2)?,
        })
    }

    #[must_use]
    pub fn is_one(self) -> bool {
        self == Unit::ONE
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn part(name: &str, power: i8) -> String {
            match power.abs() {
                1 => name.to_string(),
                p => format!("{name}^{p}"),
            }
        }
        let mut num = Vec::new();
        let mut den = Vec::new();
        for (name, power) in [("CNY", self.cny), ("m2", self.m2)] {
            if power > 0 {
                num.push(part(name, power));
            } else if power < 0 {
                den.push(part(name, power));
            }
        }
        let num = if num.is_empty() {
            "1".to_string()
        } else {
            num.join("·")
        };
        if den.is_empty() {
            write!(f, "{num}")
        } else {
            write!(f, "{num}/{}", den.join("·"))
        }
    }
}

/// The type of a value in the expression language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    /// An exact decimal carrying a unit.
    Num(Unit),
    Date,
    /// A span of calendar time (`1 year`, `6 months`, `30 days`).
    Duration,
    /// One word of an enumeration (index into the rulebook's word sets).
    Word(u16),
    /// A set of words of an enumeration (a list field such as `priority`).
    Words(u16),
    /// A list of items (a list field such as `units`), by item schema index.
    List(u16),
}

impl Type {
    #[must_use]
    pub fn is_num(self) -> bool {
        matches!(self, Type::Num(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse_compose_and_print() {
        let per_m2 = Unit::parse("CNY/m2").unwrap();
        assert_eq!(per_m2, Unit { cny: 1, m2: -1 });
        assert_eq!(per_m2.times(Unit::M2), Some(Unit::CNY));
        assert_eq!(per_m2.to_string(), "CNY/m2");
        assert_eq!(Unit::CNY.per(Unit::CNY), Some(Unit::ONE));
        assert_eq!(Unit::ONE.to_string(), "1");
        assert_eq!(Unit::parse("yuan"), None);
        assert_eq!(Unit::parse("CNY/m2/m2"), None);
    }
}
