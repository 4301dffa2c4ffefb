use hallq::config::Settings;
use hallq::startup::Application;
use std::collections::HashMap;
use std::process::ExitCode;

const USAGE: &str = "usage: hallq [--config FILE]\n\nSettings come from defaults, then FILE (or HALLQ_CONFIG), then HALLQ_* environment variables; see README.md.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config_file = match args.as_slice() {
        [] => None,
        [flag, file] if flag == "--config" => Some(file.clone()),
        [flag] if flag == "--help" || flag == "-h" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let env: HashMap<String, String> = std::env::vars().collect();
    let settings = match Settings::load(config_file.as_deref(), &env) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("hallq: {err}");
            return ExitCode::from(2);
        }
    };
    hallq::telemetry::init(&settings.log);
    actix_web::rt::System::new().block_on(async move {
        let host = settings.bind.ip();
        let app = match Application::build(settings).await {
            Ok(app) => app,
            Err(err) => {
                eprintln!("hallq: {err}");
                return ExitCode::from(1);
            }
        };
        println!("hallq is serving at http://{host}:{}/", app.port());
        if let Some(password) = &app.generated.admin_password {
            println!("admin account: admin / {password}   (generated now; set HALLQ_ADMIN_PASSWORD to choose it)");
        }
        if let Some(password) = &app.generated.demo_password {
            println!("demo accounts: window1…window10, staff1, manager1, volunteer1 / {password}   (set HALLQ_DEMO_PASSWORD to choose it)");
        }
        match app.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("hallq: {err}");
                ExitCode::from(1)
            }
        }
    })
}
