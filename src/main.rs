//! The `lifebase` binary: parse the command line, run it, map failure to an exit code.

use clap::Parser;

// The request path allocates many small maps and strings; mimalloc serves them with far
// less contention and bookkeeping than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LB_LOG")
                .unwrap_or_else(|_| "lifebase=info,actix_web=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = lifebase::cli::Cli::parse();
    match lifebase::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
