//! Go structs as JSON objects: members in declaration order, embedded structs inline,
//! `omitempty` as Go tests it.

use serde::de::MapAccess;
use serde::ser::SerializeMap;

use super::Seen;

/// A Go struct's members, written inline into the enclosing JSON object.
///
/// Go embeds structs (`ClaimsData`, `Permissions`, `NatsLimits`, `Info`, `GenericFields` …)
/// whose members appear directly in the parent object; this trait lets a Rust struct
/// hold the embedded part as a field and still produce Go's flat JSON.
pub(crate) trait GoFields {
    /// How many members it reads (its embedded structs' included): at most
    /// [`Seen::CAPACITY`], which `go_fields!` checks when compiling.
    const MEMBERS: usize;

    /// Writes this struct's members, in Go's declaration order.
    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;

    /// Reads the member `key` into this struct if it is one of its members (or of an
    /// embedded struct's). Returns `false` for members it does not know.
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        seen: &mut Seen,
    ) -> Result<bool, A::Error>;

    /// True when `key` names one of this struct's members (embedded ones included) in
    /// Go's case-insensitive sense.
    fn has_member_folded(&self, key: &str) -> bool;
}

/// Implements [`GoFields`] from a list of members in Go's declaration order.
///
/// Each entry is one of:
/// - `(embed field: Type)`: an embedded struct, written inline;
/// - `(always field "name")`: always written (Go structs under `omitempty`, or no `omitempty`);
/// - `(omitempty field "name")`: left out when zero;
/// - `(uniquemap field "name")`: a map, left out when empty, read refusing a key given twice;
/// - `(merge field "name")`: always written; read into the field's current value (for
///   nested structs whose initial value is not the zero value);
/// - `(constant "name" expr)`: written with a fixed value, ignored on read.
macro_rules! go_fields {
    ($ty:ty => [ $( ( $($entry:tt)* ) )* ]) => {
        impl $crate::go::json::GoFields for $ty {
            const MEMBERS: usize = 0 $( + $crate::go::json::go_fields!(@count $($entry)*) )*;

            fn write_fields<M: serde::ser::SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                $( $crate::go::json::go_fields!(@write self map $($entry)*); )*
                Ok(())
            }

            fn read_field<'de, A: serde::de::MapAccess<'de>>(
                &mut self,
                key: &str,
                map: &mut A,
                seen: &mut $crate::go::json::Seen,
            ) -> Result<bool, A::Error> {
                $( $crate::go::json::go_fields!(@read self key map seen $($entry)*); )*
                let _ = (key, map, seen);
                Ok(false)
            }

            fn has_member_folded(&self, key: &str) -> bool {
                $( $crate::go::json::go_fields!(@folded self key $($entry)*); )*
                false
            }
        }

        const _: () = assert!(
            <$ty as $crate::go::json::GoFields>::MEMBERS <= $crate::go::json::Seen::CAPACITY,
            "an object's members must fit in `Seen`"
        );
    };
    (@count embed $f:ident : $t:ty) => {
        <$t as $crate::go::json::GoFields>::MEMBERS
    };
    (@count constant $n:literal $v:expr) => {
        0
    };
    (@count $mode:ident $f:ident $n:literal) => {
        1
    };
    (@folded $s:ident $k:ident embed $f:ident : $t:ty) => {
        if $crate::go::json::GoFields::has_member_folded(&$s.$f, $k) {
            return true;
        }
    };
    (@folded $s:ident $k:ident constant $n:literal $v:expr) => {
        if $crate::go::json::fold_eq($k, $n) && $k != $n {
            return true;
        }
    };
    (@folded $s:ident $k:ident $mode:ident $f:ident $n:literal) => {
        if $crate::go::json::fold_eq($k, $n) {
            return true;
        }
    };
    (@write $s:ident $m:ident embed $f:ident : $t:ty) => {
        $crate::go::json::GoFields::write_fields(&$s.$f, $m)?
    };
    (@write $s:ident $m:ident always $f:ident $n:literal) => {
        $m.serialize_entry($n, &$s.$f)?
    };
    (@write $s:ident $m:ident uniquemap $f:ident $n:literal) => {
        if !$crate::go::json::IsEmpty::is_empty_value(&$s.$f) {
            $m.serialize_entry($n, &$s.$f)?;
        }
    };
    (@write $s:ident $m:ident merge $f:ident $n:literal) => {
        $m.serialize_entry($n, &$s.$f)?
    };
    (@write $s:ident $m:ident omitempty $f:ident $n:literal) => {
        if !$crate::go::json::IsEmpty::is_empty_value(&$s.$f) {
            $m.serialize_entry($n, &$s.$f)?;
        }
    };
    (@write $s:ident $m:ident constant $n:literal $v:expr) => {
        $m.serialize_entry($n, $v)?
    };
    (@read $s:ident $k:ident $m:ident $seen:ident embed $f:ident : $t:ty) => {
        if $crate::go::json::GoFields::read_field(&mut $s.$f, $k, $m, $seen)? {
            return Ok(true);
        }
    };
    (@read $s:ident $k:ident $m:ident $seen:ident uniquemap $f:ident $n:literal) => {
        if $k == $n {
            $seen.first($n)?;
            if let Some($crate::go::json::UniqueMap(value)) = $m.next_value::<Option<$crate::go::json::UniqueMap<_>>>()? {
                $s.$f = value;
            }
            return Ok(true);
        }
    };
    (@read $s:ident $k:ident $m:ident $seen:ident merge $f:ident $n:literal) => {
        if $k == $n {
            $seen.first($n)?;
            let current = std::mem::take(&mut $s.$f);
            $s.$f = $m.next_value_seed($crate::go::json::MergeInto(current))?;
            return Ok(true);
        }
    };
    (@read $s:ident $k:ident $m:ident $seen:ident $mode:ident $f:ident $n:literal) => {
        if $k == $n {
            $seen.first($n)?;
            $crate::go::json::read_value($m, &mut $s.$f)?;
            return Ok(true);
        }
    };
    (@read $s:ident $k:ident $m:ident $seen:ident constant $n:literal $v:expr) => {};
}

/// Implements `Serialize` and `Deserialize` for a [`GoFields`] struct, reading into
/// `initial` (its `Default` unless given: Go's zero value).
macro_rules! go_object {
    ($ty:ty) => {
        $crate::go::json::go_object!($ty, <$ty as Default>::default());
    };
    ($ty:ty, $initial:expr) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(None)?;
                $crate::go::json::GoFields::write_fields(self, &mut map)?;
                map.end()
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::go::json::deserialize_fields(deserializer, $initial, None)
            }
        }
    };
}

pub(crate) use {go_fields, go_object};

#[cfg(test)]
mod tests {

    use crate::go::json::{UniqueMap, to_go_json};

    #[derive(Default, Debug, PartialEq)]
    struct Inner {
        a: i64,
        b: Vec<String>,
    }
    go_fields!(Inner => [(omitempty a "a") (omitempty b "b")]);

    #[derive(Default, Debug, PartialEq)]
    struct Outer {
        x: String,
        inner: Inner,
        nested: Inner,
        flag: bool,
    }
    go_fields!(Outer => [
        (always x "x")
        (embed inner: Inner)
        (always nested "nested")
        (omitempty flag "flag")
        (constant "type" "outer")
    ]);
    go_object!(Inner);
    go_object!(Outer);

    #[test]
    fn embedded_structs_are_inline() {
        let v = Outer {
            x: "<".into(),
            inner: Inner { a: 3, b: vec![] },
            nested: Inner::default(),
            flag: false,
        };
        let json = String::from_utf8(to_go_json(&v).unwrap()).unwrap();
        assert_eq!(json, r#"{"x":"\u003c","a":3,"nested":{},"type":"outer"}"#);
        let back: Outer = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn unknown_members_are_checked_while_skipped() {
        // Letter-case variants of known members, constants included, are refused.
        for json in [
            r#"{"X":"y"}"#,
            r#"{"A":1}"#,
            r#"{"Type":"t"}"#,
            r#"{"NE\u017fTED":{}}"#,
        ] {
            let err = serde_json::from_str::<Outer>(json).unwrap_err();
            assert!(
                err.to_string().contains("only in letter case"),
                "{json}: {err}"
            );
        }
        // The exact name of a constant is skipped, as any unknown member.
        assert!(serde_json::from_str::<Outer>(r#"{"type":"x","other":1}"#).is_ok());
        // Skipped values are still decoded: lone surrogates and duplicates are refused.
        for json in [
            r#"{"zz":"\ud800"}"#,
            r#"{"zz":{"a":1,"a":2}}"#,
            r#"{"zz":[{"b":[],"b":0}]}"#,
        ] {
            assert!(serde_json::from_str::<Outer>(json).is_err(), "{json}");
        }
        assert!(serde_json::from_slice::<Outer>(b"{\"zz\":\"\xff\"}").is_err());
    }

    #[test]
    fn maps_and_values_refuse_duplicate_keys() {
        let ok: UniqueMap<i64> = serde_json::from_str(r#"{"a":1,"b":2}"#).unwrap();
        assert_eq!(ok.0.len(), 2);
        let err = serde_json::from_str::<UniqueMap<i64>>(r#"{"a":1,"a":2}"#).unwrap_err();
        assert!(err.to_string().contains(r#"duplicate key "a""#), "{err}");
        assert!(crate::go::json::fold_eq("\u{212a}ind", "kind"));
        assert!(!crate::go::json::fold_eq("kinds", "kind"));
    }

    #[test]
    fn reading_ignores_unknown_and_null_and_refuses_duplicates() {
        let v: Outer =
            serde_json::from_str(r#"{"zzz":[1,{"q":2}],"a":null,"b":["s"],"x":"y"}"#).unwrap();
        assert_eq!(v.inner.b, vec!["s".to_owned()]);
        assert_eq!(v.x, "y");
        let err = serde_json::from_str::<Outer>(r#"{"a":1,"a":2}"#).unwrap_err();
        assert!(err.to_string().contains("duplicate field `a`"), "{err}");
        let err = serde_json::from_str::<Outer>(r#"{"nested":{"a":1,"a":2}}"#).unwrap_err();
        assert!(err.to_string().contains("duplicate field `a`"), "{err}");
        assert!(serde_json::from_str::<Outer>("[]").is_err());
    }
}
