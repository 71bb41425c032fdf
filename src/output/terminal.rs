//! What the terminal asks of the human report: colour, and the width to wrap at.

use crate::cli::ColorChoice;
use std::ffi::OsStr;

/// Whether a variable is set to something that turns a switch on: non-empty and not `0`.
fn on(v: Option<&OsStr>) -> bool {
    v.is_some_and(|v| !v.is_empty() && v != "0")
}

/// Whether to colour the report. `never` wins over everything and `always` over the
/// environment; `auto` colours a terminal unless `NO_COLOR` is set and non-empty, and
/// `FORCE_COLOR` or `CLICOLOR_FORCE` (set, non-empty, not `0`) force it.
pub fn color(
    choice: ColorChoice,
    terminal: bool,
    env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
) -> bool {
    match choice {
        ColorChoice::Never => false,
        ColorChoice::Always => true,
        ColorChoice::Auto => {
            if on(env("FORCE_COLOR").as_deref()) || on(env("CLICOLOR_FORCE").as_deref()) {
                return true;
            }
            terminal && env("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// The width to wrap the report at: `COLUMNS` when it holds a number (how tests and scripts set
/// it), else the terminal's when stdout is one, else none (each message on one line).
pub fn width(
    terminal: bool,
    env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    measured: &dyn Fn() -> Option<usize>,
) -> Option<usize> {
    let columns = env("COLUMNS")
        .and_then(|v| v.to_str()?.trim().parse::<usize>().ok())
        .filter(|&n| n > 0);
    columns.or_else(|| if terminal { measured() } else { None })
}

/// The width of the terminal on stdout, if it is one.
#[cfg(unix)]
pub fn stdout_width() -> Option<usize> {
    let size = rustix::termios::tcgetwinsize(std::io::stdout()).ok()?;
    Some(usize::from(size.ws_col)).filter(|&n| n > 0)
}

#[cfg(not(unix))]
pub fn stdout_width() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| {
            vars.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    /// (choice, stdout a terminal, environment, colour).
    type Case = (
        ColorChoice,
        bool,
        &'static [(&'static str, &'static str)],
        bool,
    );

    #[test]
    fn colour_by_choice_terminal_and_environment() {
        use ColorChoice::{Always, Auto, Never};
        let cases: &[Case] = &[
            (Auto, true, &[], true),
            (Auto, false, &[], false),
            (Auto, true, &[("NO_COLOR", "1")], false),
            // An empty NO_COLOR is unset (no-color.org).
            (Auto, true, &[("NO_COLOR", "")], true),
            (Auto, false, &[("FORCE_COLOR", "1")], true),
            (Auto, false, &[("CLICOLOR_FORCE", "1")], true),
            (Auto, true, &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")], true),
            (Auto, false, &[("FORCE_COLOR", "0")], false),
            (Auto, false, &[("FORCE_COLOR", "")], false),
            (Auto, false, &[("CLICOLOR_FORCE", "0")], false),
            (Always, false, &[("NO_COLOR", "1")], true),
            (
                Never,
                true,
                &[("FORCE_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
                false,
            ),
        ];
        for (choice, terminal, vars, expected) in cases {
            assert_eq!(
                color(*choice, *terminal, &env_of(vars)),
                *expected,
                "{choice:?} terminal={terminal} {vars:?}"
            );
        }
    }

    #[test]
    fn width_from_columns_then_terminal() {
        let measured = || Some(90);
        assert_eq!(
            width(false, &env_of(&[("COLUMNS", "60")]), &measured),
            Some(60)
        );
        assert_eq!(
            width(true, &env_of(&[("COLUMNS", "60")]), &measured),
            Some(60)
        );
        assert_eq!(width(true, &env_of(&[]), &measured), Some(90));
        assert_eq!(width(false, &env_of(&[]), &measured), None);
        assert_eq!(
            width(true, &env_of(&[("COLUMNS", "wide")]), &measured),
            Some(90)
        );
        assert_eq!(width(false, &env_of(&[("COLUMNS", "0")]), &measured), None);
        assert_eq!(width(true, &env_of(&[]), &|| None), None);
    }
}
