//! The organisation: the unit tree (region → city → county → township → village/community →
//! grid), people with a role and a home unit, expert groups with specialties, and the catalogue
//! of delegated service items.

pub mod catalogue;
pub mod demo;
pub mod geography;
pub mod on_call;
pub mod repo;

use crate::error::AppError;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown {} {text:?}", stringify!($name)))
                })
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// The levels of the unit tree, from the top.
    UnitLevel {
        Region = "region",
        City = "city",
        County = "county",
        Township = "township",
        Village = "village",
        Grid = "grid",
    }
}

string_enum! {
    /// What a person does in Backstop.
    Role {
        Clerk = "clerk",
        Expert = "expert",
        Officer = "officer",
        Supervisor = "supervisor",
        Ops = "ops",
        Admin = "admin",
    }
}

string_enum! {
    /// What an expert group answers: the four service-item families, and the other kinds of help.
    Specialty {
        Employment = "employment",
        SocialInsurance = "social_insurance",
        Labour = "labour",
        SsCard = "sscard",
        ItFault = "it_fault",
        Policy = "policy",
        Approval = "approval",
    }
}

impl Role {
    pub fn parse_field(text: &str) -> Result<Self, AppError> {
        Self::parse(text).ok_or_else(|| AppError::invalid("role", format!("unknown role {text:?}")))
    }
}

/// Parses the space-separated specialties stored with an expert group.
pub fn parse_specialties(text: &str) -> Vec<Specialty> {
    text.split_whitespace()
        .filter_map(Specialty::parse)
        .collect()
}

/// A username: 3–32 characters of lowercase ASCII letters, digits, `.`, `_` or `-`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(text: &str) -> Result<Self, AppError> {
        let text = text.trim();
        let ok_len = (3..=32).contains(&text.len());
        let ok_chars = text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if ok_len && ok_chars {
            Ok(Self(text.to_string()))
        } else {
            Err(AppError::invalid(
                "username",
                "3–32 characters: lowercase letters, digits, '.', '_' or '-'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        assert!(Role::parse_field("boss").is_err());
    }

    #[test]
    fn usernames_are_checked() {
        assert!(Username::parse("clerk.dawan").is_ok());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("Clerk").is_err());
        assert!(Username::parse("a b c").is_err());
    }

    #[test]
    fn json_names_are_the_stored_names() {
        assert_eq!(
            serde_json::to_string(&Specialty::SsCard).unwrap(),
            "\"sscard\""
        );
        let back: Specialty = serde_json::from_str("\"it_fault\"").unwrap();
        assert_eq!(back, Specialty::ItFault);
        assert!(serde_json::from_str::<Role>("\"boss\"").is_err());
    }

    #[test]
    fn unknown_specialties_are_skipped() {
        assert_eq!(
            parse_specialties("policy nonsense it_fault"),
            vec![Specialty::Policy, Specialty::ItFault]
        );
    }
}
