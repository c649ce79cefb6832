//! Text shared between the rulebook and the reports made with it, without copying.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Text a report shares with the rulebook it comes from: a clause's id, section and quote,
/// its document's id and number. A clone shares the text rather than copying it, so that a
/// report of a dozen results does not copy a dozen quotes. It reads as a `&str` (`Deref`),
/// compares with strings, and prints and serialises as one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SharedText(Arc<str>);

impl SharedText {
    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Text already shared elsewhere, shared once more rather than copied.
    #[must_use]
    pub fn from_shared(text: Arc<str>) -> SharedText {
        SharedText(text)
    }
}

impl Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for SharedText {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedText {
    fn from(s: &str) -> SharedText {
        SharedText(s.into())
    }
}

impl From<String> for SharedText {
    fn from(s: String) -> SharedText {
        SharedText(s.into())
    }
}

impl From<SharedText> for String {
    fn from(s: SharedText) -> String {
        s.0.as_ref().to_owned()
    }
}

impl fmt::Debug for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for SharedText {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for SharedText {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for SharedText {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SharedText> for str {
    fn eq(&self, other: &SharedText) -> bool {
        *self == *other.0
    }
}

impl PartialEq<SharedText> for &str {
    fn eq(&self, other: &SharedText) -> bool {
        **self == *other.0
    }
}

impl PartialEq<SharedText> for String {
    fn eq(&self, other: &SharedText) -> bool {
        **self == *other.0
    }
}

impl Serialize for SharedText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SharedText, D::Error> {
        String::deserialize(d).map(SharedText::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_text_reads_prints_and_serialises_as_a_string() {
        let s = String::from("arh-rent-cap \"二（三）\"");
        let t = SharedText::from(s.as_str());
        assert_eq!(t, s);
        assert_eq!(s, t);
        assert_eq!(t, *s.as_str());
        assert_eq!(t, s.as_str());
        assert_eq!(s.as_str(), t);
        assert!(t != "arh-rent-cap");
        assert_eq!(format!("{t:?}"), format!("{s:?}"));
        assert_eq!(t.to_string(), s);
        assert_eq!(t.len(), s.len());
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, serde_json::to_string(&s).unwrap());
        assert_eq!(serde_json::from_str::<SharedText>(&json).unwrap(), t);
        // A clone shares the text.
        let u = t.clone();
        assert!(std::ptr::eq(t.as_str(), u.as_str()));
        assert_eq!(String::from(u), s);
    }
}
