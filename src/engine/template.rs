//! Checking a `--regex` REPLACEMENT before any file is read: every `$1`,
//! `$name` and `${name}` must name a group of the regex, and unambiguously.

/// Fails with a one-line reason for the first reference in `template`
/// (read as the regex crate reads it) that names no group of `groups`
/// (by index, 0 the whole match, with names), or that the regex crate reads
/// otherwise than it looks: `$1ms` is the group named `1ms`, as sd warns.
pub fn check(template: &[u8], groups: &[Option<&str>]) -> Result<(), String> {
    let mut rest = template;
    while let Some(dollar) = memchr::memchr(b'$', rest) {
        rest = &rest[dollar + 1..];
        if let Some(after) = rest.strip_prefix(b"$") {
            rest = after;
            continue;
        }
        let (name, braced, len) = match rest.strip_prefix(b"{") {
            Some(inner) => match memchr::memchr(b'}', inner) {
                Some(end) if end > 0 => (&inner[..end], true, end + 2),
                // `${` without its `}` is kept as it is, by the regex crate too.
                _ => continue,
            },
            None => {
                let len = rest
                    .iter()
                    .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_')
                    .count();
                (&rest[..len], false, len)
            }
        };
        rest = &rest[len..];
        if name.is_empty() {
            continue;
        }
        let name = String::from_utf8_lossy(name);
        let no_group = |index: usize| {
            Err(format!(
                "${{{index}}}: the regex has no group {index} (its groups are 0 to {})",
                groups.len().saturating_sub(1)
            ))
        };
        if let Ok(index) = name.parse::<usize>() {
            if index >= groups.len() {
                return no_group(index);
            }
            continue;
        }
        if groups.iter().any(|group| *group == Some(&*name)) {
            continue;
        }
        let digits = name.bytes().take_while(u8::is_ascii_digit).count();
        if !braced && digits > 0 {
            let (number, tail) = name.split_at(digits);
            // `$9ms` meant group 9: that it does not exist is the news.
            if let Ok(index) = number.parse::<usize>()
                && index >= groups.len()
            {
                return no_group(index);
            }
            return Err(format!(
                "${name} is read as the group named {name:?}; write ${{{number}}}{tail} for group {number} and then {tail:?}"
            ));
        }
        return Err(format!(
            "${{{name}}}: the regex has no group named {name:?}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    const GROUPS: &[Option<&str>] = &[None, None, Some("hex")];

    #[test]
    fn known_groups_pass() {
        for template in [
            &b"$1$2"[..],
            b"${1}ms",
            b"${hex}x",
            b"$hex",
            b"$$1ms",
            b"cost: $",
            b"${ unclosed",
            b"$0",
        ] {
            assert_eq!(check(template, GROUPS), Ok(()), "{template:?}");
        }
    }

    #[test]
    fn unknown_and_ambiguous_groups_are_named() {
        assert_eq!(
            check(b"x${nam}", GROUPS).unwrap_err(),
            "${nam}: the regex has no group named \"nam\""
        );
        assert_eq!(
            check(b"$1ms", GROUPS).unwrap_err(),
            "$1ms is read as the group named \"1ms\"; write ${1}ms for group 1 and then \"ms\""
        );
        assert_eq!(
            check(b"$3", GROUPS).unwrap_err(),
            "${3}: the regex has no group 3 (its groups are 0 to 2)"
        );
        assert!(check(b"$hexes", GROUPS).is_err());
        assert_eq!(
            check(b"$9ms", GROUPS).unwrap_err(),
            "${9}: the regex has no group 9 (its groups are 0 to 2)"
        );
    }
}
