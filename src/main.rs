use clap::Parser;
use iamtrim::app;
use iamtrim::cli::Cli;
use iamtrim::output::Out;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = Out::stdio();
    let code = match app::run(cli, &mut out) {
        Ok(code) => code,
        Err(app::AppError::Config(iamtrim::config::ConfigError::At {
            path,
            text,
            span: Some(span),
            message,
        })) => {
            out.fatal_at(&format!("{path}: {message}"), &path, &text, span, None);
            ExitCode::from(app::exit::USAGE)
        }
        Err(err) => {
            out.fatal(&err.to_string(), err.help());
            ExitCode::from(err.exit_code())
        }
    };
    out.flush();
    code
}
