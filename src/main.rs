use hallq::config::Settings;
use hallq::startup::Application;
use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

/// mimalloc instead of the system allocator for Rust's allocations: the window writer and the
/// web workers allocate and free small blocks from different threads at every request; glibc's
/// malloc and free were 10-14 % of the writer's time (SQLite's own allocations among them,
/// which stay on glibc). Measured in BENCHMARKS.md (issue 19).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: hallq [--config FILE]\n       hallq replay --hall demo [--start RFC3339] SCRIPT|-\n       hallq generate-history [--config FILE] --hall demo --days N --per-day M [--seed S] [--force]\n       hallq backup [--config FILE] PATH\n       hallq restore [--config FILE] [--force] PATH\n       hallq simulate SCENARIO.json|-\n       hallq staffing SCENARIO.json|- [--target 0.8] [--check]\n\nSettings come from defaults, then FILE (or HALLQ_CONFIG), then HALLQ_* environment variables; see README.md.\n`replay` runs a script of actions on the demo hall in memory and prints one JSON line per call (docs/replay.md).\n`generate-history` fills the N business days before today with realistic traffic in the configured database (docs/reports.md).\n`backup` writes a consistent copy of the SQLite database while the server runs; `restore` puts one back (docs/deploy.md).\n`simulate` runs a peak-day scenario through the hall's own rules and prints the waits as JSON; `staffing` proposes windows per half hour (docs/planning.md).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "replay") {
        return replay(&args[1..]);
    }
    if args.first().is_some_and(|a| a == "generate-history") {
        return generate_history(&args[1..]);
    }
    if args.first().is_some_and(|a| a == "backup" || a == "restore") {
        return backup_or_restore(&args[0], &args[1..]);
    }
    if args.first().is_some_and(|a| a == "simulate") {
        return simulate(&args[1..]);
    }
    if args.first().is_some_and(|a| a == "staffing") {
        return staffing(&args[1..]);
    }
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
    let settings = match load_settings(config_file.as_deref()) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    hallq::telemetry::init(&settings);
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

/// `hallq replay --hall demo [--start RFC3339] SCRIPT`: the in-memory hall, no server.
fn replay(args: &[String]) -> ExitCode {
    let mut hall_code = None;
    let mut start = hallq::replay::DEFAULT_START.to_owned();
    let mut script_path = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--hall" => hall_code = rest.next().cloned(),
            "--start" => start = rest.next().cloned().unwrap_or_default(),
            _ if script_path.is_none() => script_path = Some(arg.clone()),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let (Some(hall_code), Some(script_path)) = (hall_code, script_path) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if hall_code != hallq::persistence::seed::DEMO_HALL {
        eprintln!("hallq replay: only the demo hall's configuration is built in, not '{hall_code}'");
        return ExitCode::from(2);
    }
    let Ok(start) = chrono::DateTime::parse_from_rfc3339(&start) else {
        eprintln!("hallq replay: --start '{start}' is not an RFC 3339 time such as 2026-01-05T09:00:00+08:00");
        return ExitCode::from(2);
    };
    let script = match read_input("replay", &script_path) {
        Ok(script) => script,
        Err(code) => return code,
    };
    // The server's default queue rules, from the same environment a server would read.
    let env: HashMap<String, String> = std::env::vars().collect();
    let defaults = Settings::load(None, &env).unwrap_or_default().queue_rule_defaults();
    let (mut hall, clock) = hallq::replay::demo_hall(start.with_timezone(&chrono::Utc), defaults);
    let refused =
        hallq::replay::run(&mut hall, &clock, &script, &mut std::io::stdout().lock(), &mut std::io::stderr().lock());
    if refused == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `hallq generate-history --hall demo --days N --per-day M [--seed S] [--force]`.
fn generate_history(args: &[String]) -> ExitCode {
    let (mut hall, mut days, mut per_day, mut seed, mut force, mut config_file) = (None, None, None, 1u64, false, None);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut number = || rest.next().and_then(|v| v.parse::<u64>().ok());
        match arg.as_str() {
            "--hall" => hall = rest.next().cloned(),
            "--days" => days = number(),
            "--per-day" => per_day = number(),
            "--seed" => match number() {
                Some(s) => seed = s,
                None => days = None,
            },
            "--force" => force = true,
            "--config" => config_file = rest.next().cloned(),
            _ => days = None,
        }
    }
    let (Some(hall), Some(days), Some(per_day)) = (hall, days, per_day) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let settings = match load_settings(config_file.as_deref()) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    hallq::telemetry::init(&settings);
    actix_web::rt::System::new().block_on(async move {
        let clock = hallq::domain::clock::SystemClock;
        let db = match hallq::startup::prepare_database(&settings, &clock).await {
            Ok(db) => db,
            Err(err) => {
                eprintln!("hallq: {err}");
                return ExitCode::from(1);
            }
        };
        let halls = hallq::services::halls::HallCache::new(db.clone());
        let Ok(config) = halls.get(&hall).await else {
            eprintln!("hallq: there is no hall '{hall}'");
            return ExitCode::from(2);
        };
        let today = hallq::domain::numbering::business_date(chrono::Utc::now(), config.timezone);
        let options = hallq::history::Options {
            days: u32::try_from(days).unwrap_or(u32::MAX),
            per_day: u32::try_from(per_day).unwrap_or(u32::MAX),
            seed,
            force,
        };
        let started = std::time::Instant::now();
        match hallq::history::generate(&db, &config, today, &options).await {
            Ok(done) => {
                println!(
                    "{{\"days\":{},\"skipped_days\":{},\"tickets\":{},\"ratings\":{},\"diversions\":{},\"seconds\":{:.1}}}",
                    done.days,
                    done.skipped_days,
                    done.tickets,
                    done.ratings,
                    done.diversions,
                    started.elapsed().as_secs_f64()
                );
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("hallq: {err}");
                ExitCode::from(2)
            }
        }
    })
}

/// `hallq backup [--config FILE] PATH` and `hallq restore [--config FILE] [--force] PATH`.
fn backup_or_restore(command: &str, args: &[String]) -> ExitCode {
    let (mut path, mut config_file, mut force) = (None, None, false);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--config" => config_file = rest.next().cloned(),
            "--force" if command == "restore" => force = true,
            _ if path.is_none() => path = Some(std::path::PathBuf::from(arg)),
            _ => path = None,
        }
    }
    let Some(path) = path else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let settings = match load_settings(config_file.as_deref()) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    actix_web::rt::System::new().block_on(async move {
        let done = if command == "backup" {
            match sea_orm::Database::connect(&settings.database_url).await {
                Ok(db) => hallq::backup::backup(&db, &path)
                    .await
                    .map(|bytes| format!("{{\"backup\":\"{}\",\"bytes\":{bytes}}}", path.display())),
                Err(err) => Err(format!("cannot open the database: {err}")),
            }
        } else {
            hallq::backup::restore(&path, &settings.database_url, force)
                .await
                .map(|()| format!("{{\"restored\":\"{}\"}}", path.display()))
        };
        match done {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("hallq {command}: {err}");
                ExitCode::from(2)
            }
        }
    })
}

/// A file's text, or standard input's for `-`; a failure is reported (exit 2).
fn read_input(command: &str, path: &str) -> Result<String, ExitCode> {
    let text = if path == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map(|_| text)
    } else {
        std::fs::read_to_string(path)
    };
    text.map_err(|err| {
        eprintln!("hallq {command}: cannot read {path}: {err}");
        ExitCode::from(2)
    })
}

/// A scenario file read and parsed; a failure is reported (exit 2).
fn read_scenario(command: &str, path: &str) -> Result<hallq::domain::simulation::Scenario, ExitCode> {
    let text = read_input(command, path)?;
    hallq::domain::simulation::Scenario::from_json(&text).map_err(|err| {
        eprintln!("hallq {command}: {err}");
        ExitCode::from(2)
    })
}

fn print_json(value: &impl serde::Serialize) -> ExitCode {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            // A closed pipe (`| head`) is the reader's choice, not an error.
            let _ = writeln!(std::io::stdout().lock(), "{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("hallq: {err}");
            ExitCode::from(1)
        }
    }
}

/// `hallq simulate SCENARIO.json`: the waits a scenario gives, as JSON on stdout.
fn simulate(args: &[String]) -> ExitCode {
    let [path] = args else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let scenario = match read_scenario("simulate", path) {
        Ok(scenario) => scenario,
        Err(code) => return code,
    };
    match hallq::domain::simulation::simulate(&scenario) {
        Ok(result) => print_json(&result),
        Err(err) => {
            eprintln!("hallq simulate: {err}");
            ExitCode::from(2)
        }
    }
}

/// `hallq staffing SCENARIO.json [--target 0.8] [--check]`: windows per half hour.
fn staffing(args: &[String]) -> ExitCode {
    let (mut path, mut target, mut check) = (None, 0.8, false);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--target" => match rest.next().and_then(|v| v.parse::<f64>().ok()) {
                Some(t) => target = t,
                None => path = None,
            },
            "--check" => check = true,
            _ if path.is_none() => path = Some(arg.clone()),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(path) = path else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let scenario = match read_scenario("staffing", &path) {
        Ok(scenario) => scenario,
        Err(code) => return code,
    };
    match hallq::domain::staffing::plan(&scenario, target, check) {
        Ok(plan) => print_json(&plan),
        Err(err) => {
            eprintln!("hallq staffing: {err}");
            ExitCode::from(2)
        }
    }
}

/// Settings from defaults, the file and the environment; a bad value is reported (exit 2).
fn load_settings(config_file: Option<&str>) -> Result<Settings, ExitCode> {
    let env: HashMap<String, String> = std::env::vars().collect();
    Settings::load(config_file, &env).map_err(|err| {
        eprintln!("hallq: {err}");
        ExitCode::from(2)
    })
}
