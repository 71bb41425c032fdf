use clap::Parser;
use iamtrim::app;
use iamtrim::cli::Cli;
use iamtrim::cli::Command;
use iamtrim::output::{FatalAt, Out};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    #[cfg(unix)]
    remove_temp_files_on_interrupt();
    let mut out = Out::stdio();
    if let Command::Check(args) = &cli.command {
        out.report_fatal_as(iamtrim::output::FatalReport {
            format: args.format,
            file: args.output_file.clone(),
            category: args.sarif_category.clone(),
        });
    }
    let code = match app::run(cli, &mut out) {
        Ok(code) => code,
        Err(app::AppError::Config(iamtrim::config::ConfigError::At {
            path,
            text,
            span: Some(span),
            message,
        })) => {
            let at = FatalAt {
                path: &path,
                text: &text,
                span,
            };
            out.fatal_at(&format!("{path}: {message}"), at, None, app::exit::USAGE);
            ExitCode::from(app::exit::USAGE)
        }
        Err(err) => {
            out.fatal(&err.to_string(), err.help(), err.exit_code());
            ExitCode::from(err.exit_code())
        }
    };
    out.flush();
    code
}

/// On SIGINT or SIGTERM, the temporary files of writes in flight are removed before the process
/// ends (as the signal would have ended it): none is left in the repository.
#[cfg(unix)]
fn remove_temp_files_on_interrupt() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            // Held until the end: no write starts or finishes after the clean-up.
            let _held = iamtrim::fsio::interrupted();
            let _ = signal_hook::low_level::emulate_default_handler(signal);
            std::process::exit(128 + signal);
        }
    });
}
