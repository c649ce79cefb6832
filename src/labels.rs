//! Names in the two languages of the reports: what a field, a word, a parameter or a named
//! value is called in Chinese and in English. Declared as data in the rule files (`label`),
//! read by the reports in plain words; the rule language's identifiers never reach a reader.

use std::sync::Arc;

/// The language a report is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Chinese, the reports' first language.
    #[default]
    Zh,
    /// English.
    En,
}

/// A name in Chinese and in English. A clone shares the text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Label {
    /// The Chinese name, in the gazette's words where it has them: `小户型占比`.
    pub zh: Arc<str>,
    /// The English name: `share of small units`.
    pub en: Arc<str>,
}

impl Label {
    /// A label from its two names.
    pub fn new(zh: impl Into<Arc<str>>, en: impl Into<Arc<str>>) -> Label {
        Label {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The name in `lang`.
    #[must_use]
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// Whether either name is missing (the loader trims them, and refuses blank ones).
    #[must_use]
    pub fn is_incomplete(&self) -> bool {
        self.zh.is_empty() || self.en.is_empty()
    }
}

/// A named definition or clause variable as an expression keeps it: its name in the rule
/// language and its label.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Name {
    /// The identifier in the rule file: `small_unit_share`.
    pub name: Arc<str>,
    /// What a report calls it.
    pub label: Label,
}

impl serde::Serialize for Label {
    /// `{"zh": "小户型占比", "en": "share of small units"}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Label", 2)?;
        st.serialize_field("zh", &*self.zh)?;
        st.serialize_field("en", &*self.en)?;
        st.end()
    }
}

impl<'de> serde::Deserialize<'de> for Label {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Label, D::Error> {
        #[derive(serde::Deserialize)]
        struct Both {
            zh: String,
            en: String,
        }
        let b = Both::deserialize(d)?;
        Ok(Label::new(b.zh, b.en))
    }
}
