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
        Err(err) => {
            out.fatal(&err.to_string(), err.help());
            ExitCode::from(err.exit_code())
        }
    };
    out.flush();
    code
}
