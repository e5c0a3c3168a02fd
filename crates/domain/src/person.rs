//! People and their roles.

use serde::{Deserialize, Serialize};

/// What a person may administer. A *leader* is not a role: anyone with direct
/// reports leads, which is derived from the reporting lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Uses Foothold for their own career and, if they have reports, their team.
    Member,
    /// Also sets up people, reporting lines and organisation-wide settings.
    Admin,
}

impl Role {
    /// The value stored in the database and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
        }
    }

    /// Parses the stored value; anything unknown is the least privileged role.
    pub fn from_stored(s: &str) -> Self {
        if s == "admin" { Role::Admin } else { Role::Member }
    }
}

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Required and blank.
    #[error("{0} is required")]
    Missing(&'static str),
    /// Longer than allowed.
    #[error("{field} is longer than {max} characters")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// The limit in characters.
        max: usize,
    },
    /// Contains control characters (other than newlines and tabs where allowed).
    #[error("{0} contains control characters")]
    Control(&'static str),
}

/// A person's display name: 1 to 200 characters, trimmed, single line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// Validates and trims a name.
    pub fn parse(s: &str) -> Result<Self, TextError> {
        Text::single_line(s, "name", 200, true).map(|t| PersonName(t.0))
    }

    /// The name as typed, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validated free-text value of bounded length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    /// A single-line field (title, department): trimmed, no control characters.
    pub fn single_line(s: &str, field: &'static str, max: usize, required: bool) -> Result<Self, TextError> {
        let t = s.trim();
        if required && t.is_empty() {
            return Err(TextError::Missing(field));
        }
        if t.chars().count() > max {
            return Err(TextError::TooLong { field, max });
        }
        if t.chars().any(char::is_control) {
            return Err(TextError::Control(field));
        }
        Ok(Text(t.to_owned()))
    }

    /// The validated text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the value.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Kelly Moore ").expect("ok").as_str(), "Kelly Moore");
        assert_eq!(PersonName::parse("  "), Err(TextError::Missing("name")));
        assert!(matches!(PersonName::parse(&"x".repeat(201)), Err(TextError::TooLong { .. })));
        assert_eq!(PersonName::parse("a\u{7}b"), Err(TextError::Control("name")));
        // Any script is welcome.
        assert!(PersonName::parse("محمد 李 Zoë").is_ok());
    }

    #[test]
    fn unknown_roles_are_members() {
        assert_eq!(Role::from_stored("admin"), Role::Admin);
        assert_eq!(Role::from_stored("root"), Role::Member);
    }
}
