use std::process::ExitCode;

fn main() -> ExitCode {
    luckygas::cli::main()
}
