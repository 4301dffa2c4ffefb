//! The demo hall, seeded on an empty database so a newcomer has something to click through.
use super::users::{self, NewUser};
use crate::config::DemoHours;
use crate::domain::hall::MemoryWindow;
use crate::domain::hall_config::{HallConfig, ServiceInfo, WindowInfo};
use crate::domain::ids::ServiceId;
use crate::domain::ids::{HallId, UserId, WindowId};
use crate::domain::role::Role;
use crate::domain::schedule::Schedule;
use crate::domain::settings::{HallSettings, OnlineGuide};
use crate::domain::window::{WindowKind, WindowState};
use chrono::Duration;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::{hall, opening_hour, service, window, window_service};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

pub const DEMO_HALL: &str = "demo";
const DEMO_NOTICE: &str =
    "欢迎光临！申报、缴费、发票等业务均可通过电子税务局网上办理；社保费可通过微信、支付宝小程序缴纳。";

/// (code, 中文, English, target wait minutes, typical handling minutes)
const SERVICES: &[(&str, &str, &str, i32, i32)] = &[
    ("A", "综合申报", "Tax declaration & general", 20, 8),
    ("B", "发票业务", "Invoices", 20, 6),
    ("C", "社保缴费", "Social-insurance fees", 15, 4),
    ("D", "车辆购置税", "Vehicle purchase tax", 20, 7),
    ("E", "退税业务", "Tax refunds", 30, 12),
    ("F", "咨询辅导", "Consultation & guidance", 15, 5),
];

/// Where the demo hall is, as its slips say.
const DEMO_ADDRESS: &str = "示例县城关镇人民路 1 号 政务服务中心一楼";

/// Services taxpayers may book (预约办税) in the demo.
const BOOKABLE: &[&str] = &["A", "B", "E"];

/// (code, what it covers, in English): one line on each kiosk tile.
const HINTS: &[(&str, &str, &str)] = &[
    ("A", "增值税、所得税等申报，登记、变更等综合业务", "Tax returns, registration and changes"),
    ("B", "发票领用、代开发票、税务UKey发放", "Invoice supply, agent-issued invoices, tax UKey"),
    ("C", "城乡居民医保、养老保险等社保费现金缴纳", "Social-insurance fees paid in cash"),
    ("D", "新车、二手车车辆购置税申报缴纳", "Vehicle purchase tax for new and used cars"),
    ("E", "增值税留抵退税、出口退税及其他退税", "VAT credit refunds and other refunds"),
    ("F", "政策咨询、电子税务局操作辅导", "Policy questions, help with the e-tax bureau"),
];

/// (code, the kiosk's button in 中文 and English) where 我去网上办 does not say it.
const ONLINE_BUTTONS: &[(&str, &str, &str)] = &[
    ("B", "我去自助终端办", "I'll use a self-service terminal"),
    ("C", "我用手机缴费", "I'll pay by phone"),
    ("F", "我去网上咨询", "I'll ask online"),
];

/// (code, 中文, English): how a service can be done without queuing (分流), shown before issuing.
const ONLINE: &[(&str, &str, &str)] = &[
    (
        "A",
        "大部分申报可在电子税务局（网页或手机App）自行办理，无需排队。不会操作？大厅自助办税区有4台电脑和打印机，志愿者可现场辅导。",
        "Most returns can be filed on the e-tax bureau (web or app) without queuing. Need help? The self-service area in the hall has 4 PCs with printers, and volunteers to guide you.",
    ),
    (
        "B",
        "发票领用、代开发票可在电子税务局办理；也可使用自助办税终端：大厅入口左侧、政务服务中心一楼。",
        "Invoices can be supplied and issued on the e-tax bureau, or at the self-service terminals: left of the hall entrance and on the ground floor of the government service centre.",
    ),
    (
        "C",
        "社保费可用手机缴纳：微信或支付宝搜索“税务缴费”小程序，按提示缴纳城乡居民医保、养老保险；也可到合作银行网点代缴。",
        "Social-insurance fees can be paid by phone: search for the \"税务缴费\" mini-program in WeChat or Alipay; partner bank branches also collect them.",
    ),
    (
        "F",
        "常见问题可在电子税务局“征纳互动”在线咨询，或拨打12366纳税服务热线。",
        "Common questions can be asked online in the e-tax bureau's help chat, or on the 12366 taxpayer hotline.",
    ),
];

/// (number, kind, services specialty first)
const WINDOWS: &[(i32, &str, &[&str])] = &[
    (1, "general", &["A", "F"]),
    (2, "general", &["A", "F"]),
    (3, "general", &["A", "F"]),
    (4, "general", &["B", "A"]),
    (5, "general", &["B", "A"]),
    (6, "general", &["D", "A", "B"]),
    (7, "general", &["E", "A"]),
    (8, "general", &["F", "A", "C"]),
    (9, "si_cash", &["C"]),
    (10, "si_cash", &["C"]),
];

fn demo_settings(county_hours: bool) -> String {
    let mut settings = HallSettings::default();
    for (code, zh, en) in ONLINE {
        let button = ONLINE_BUTTONS.iter().find(|(c, _, _)| c == code);
        let guide = OnlineGuide {
            zh: (*zh).into(),
            en: (*en).into(),
            button_zh: button.map(|(_, zh, _)| (*zh).into()),
            button_en: button.map(|(_, _, en)| (*en).into()),
        };
        settings.online.insert((*code).into(), guide);
    }
    if county_hours {
        settings.stop_issuing_minutes_before_close = Some(15);
    }
    serde_json::to_string(&settings).unwrap_or_default()
}

/// The demo hall as seeded (round-the-clock hours, windows 1–8 open and 9–10 closed), built
/// in memory with the ids a fresh database gives it: what `hallq replay` runs on.
pub fn demo_in_memory(timezone: Tz) -> (HallConfig, Vec<MemoryWindow>) {
    let services: Vec<ServiceInfo> = SERVICES
        .iter()
        .enumerate()
        .map(|(index, (code, name, name_en, target, typical))| ServiceInfo {
            id: ServiceId(index as i32 + 1),
            code: (*code).into(),
            name: (*name).into(),
            name_en: (*name_en).into(),
            target_wait: Duration::minutes(i64::from(*target)),
            typical_handling: Duration::minutes(i64::from(*typical)),
            hint: None,
            hint_en: None,
            active: true,
            appointments: BOOKABLE.contains(code),
        })
        .collect();
    let service_id = |code: &str| services.iter().find(|s| s.code == code).map(|s| s.id);
    let mut infos = Vec::new();
    let mut windows = Vec::new();
    for (index, (number, kind, codes)) in WINDOWS.iter().enumerate() {
        let id = WindowId(index as i32 + 1);
        let kind = WindowKind::parse(kind).unwrap_or(WindowKind::General);
        let state = if kind == WindowKind::SiCash { WindowState::Closed } else { WindowState::Open };
        infos.push(WindowInfo { id, number: *number, name: format!("{number}号窗口"), kind });
        windows.push(MemoryWindow {
            id,
            number: *number,
            state,
            services: codes.iter().filter_map(|c| service_id(c)).collect(),
        });
    }
    let config = HallConfig {
        id: HallId(1),
        code: DEMO_HALL.into(),
        name: "示例县税务局办税服务厅".into(),
        name_en: "Demo County Tax Service Hall".into(),
        address: Some(DEMO_ADDRESS.into()),
        timezone,
        services,
        windows: infos,
        schedule: Schedule::always_open(),
        settings: HallSettings::from_stored(Some(&demo_settings(false))),
    };
    (config, windows)
}

pub async fn is_empty(conn: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(super::halls::list(conn).await?.is_empty())
}

/// Creates the admin account if no account exists yet.
pub async fn ensure_admin(
    conn: &impl ConnectionTrait,
    password_hash: &str,
    at: DateTime<Utc>,
) -> Result<Option<UserId>, DbErr> {
    if users::find_by_username(conn, "admin").await?.is_some() {
        return Ok(None);
    }
    let new =
        NewUser { username: "admin", password_hash, role: Role::Admin, hall: None, display_name: "管理员", at };
    users::insert(conn, new).await.map(Some)
}

/// (opens, closes) in minutes of the day, Monday to Friday, with `HALLQ_DEMO_HOURS=county`.
const COUNTY_HOURS: &[(i16, i16)] = &[(8 * 60 + 30, 12 * 60), (13 * 60 + 30, 17 * 60 + 30)];

/// The demo hall with its services, windows, hours (round the clock, or a county hall's week)
/// and demo accounts.
pub async fn demo_hall(
    conn: &impl ConnectionTrait,
    timezone: Tz,
    hours: DemoHours,
    demo_password_hash: &str,
    at: DateTime<Utc>,
) -> Result<HallId, DbErr> {
    let county = hours == DemoHours::County;
    let hall = hall::ActiveModel {
        code: Set(DEMO_HALL.into()),
        name: Set("示例县税务局办税服务厅".into()),
        name_en: Set("Demo County Tax Service Hall".into()),
        timezone: Set(timezone.name().into()),
        event_seq: Set(0),
        created_at: Set(at),
        notice: Set(Some(DEMO_NOTICE.into())),
        address: Set(Some(DEMO_ADDRESS.into())),
        settings: Set(Some(demo_settings(county))),
        ..Default::default()
    };
    let hall_id = hall::Entity::insert(hall).exec(conn).await?.last_insert_id;
    let mut service_ids = Vec::new();
    let mut window_ids = Vec::new();
    for (position, (code, name, name_en, target, typical)) in SERVICES.iter().enumerate() {
        let model = service::ActiveModel {
            hall_id: Set(hall_id),
            code: Set((*code).into()),
            name: Set((*name).into()),
            name_en: Set((*name_en).into()),
            target_wait_minutes: Set(*target),
            typical_handling_minutes: Set(*typical),
            position: Set(position as i32),
            active: Set(true),
            hint: Set(HINTS.iter().find(|(c, _, _)| c == code).map(|(_, zh, _)| (*zh).to_owned())),
            hint_en: Set(HINTS.iter().find(|(c, _, _)| c == code).map(|(_, _, en)| (*en).to_owned())),
            appointments: Set(BOOKABLE.contains(code)),
            ..Default::default()
        };
        service_ids.push((*code, service::Entity::insert(model).exec(conn).await?.last_insert_id));
    }
    let periods: Vec<(i16, i16, i16)> = if county {
        (1..=5).flat_map(|weekday| COUNTY_HOURS.iter().map(move |(opens, closes)| (weekday, *opens, *closes))).collect()
    } else {
        (1..=7).map(|weekday| (weekday, 0, 1440)).collect()
    };
    for (weekday, opens, closes) in periods {
        let hours = opening_hour::ActiveModel {
            hall_id: Set(hall_id),
            weekday: Set(weekday),
            opens_minute: Set(opens),
            closes_minute: Set(closes),
            ..Default::default()
        };
        opening_hour::Entity::insert(hours).exec(conn).await?;
    }
    for (number, kind, services) in WINDOWS {
        let state = if *kind == "si_cash" { "closed" } else { "open" };
        let name = if *kind == "si_cash" {
            format!("{number}号窗口（社保收现）")
        } else {
            format!("{number}号窗口")
        };
        let model = window::ActiveModel {
            hall_id: Set(hall_id),
            number: Set(*number),
            name: Set(name),
            kind: Set((*kind).into()),
            state: Set(state.into()),
            pause_reason: Set(None),
            state_since: Set(at),
            ..Default::default()
        };
        let window_id = window::Entity::insert(model).exec(conn).await?.last_insert_id;
        window_ids.push((*number, window_id));
        for (position, code) in services.iter().enumerate() {
            let Some((_, service_id)) = service_ids.iter().find(|(c, _)| c == code) else { continue };
            let link = window_service::ActiveModel {
                window_id: Set(window_id),
                service_id: Set(*service_id),
                position: Set(position as i32),
            };
            window_service::Entity::insert(link).exec_without_returning(conn).await?;
        }
        let username = format!("window{number}");
        let display_name = format!("{number}号窗口工作人员");
        let new = NewUser {
            username: &username,
            password_hash: demo_password_hash,
            role: Role::Staff,
            hall: Some(HallId(hall_id)),
            display_name: &display_name,
            at,
        };
        let user = users::insert(conn, new).await?;
        users::assign_window(conn, user, WindowId(window_id)).await?;
    }
    // A floating colleague who covers windows 1–3 (one of them at a time).
    let new = NewUser {
        username: "staff1",
        password_hash: demo_password_hash,
        role: Role::Staff,
        hall: Some(HallId(hall_id)),
        display_name: "综合岗 张敏",
        at,
    };
    let floater = users::insert(conn, new).await?;
    for (_, window_id) in window_ids.iter().filter(|(number, _)| *number <= 3) {
        users::assign_window(conn, floater, WindowId(*window_id)).await?;
    }
    for (username, role, display_name) in
        [("volunteer1", Role::Volunteer, "志愿者一"), ("manager1", Role::Manager, "大厅负责人")]
    {
        let new = NewUser {
            username,
            password_hash: demo_password_hash,
            role,
            hall: Some(HallId(hall_id)),
            display_name,
            at,
        };
        users::insert(conn, new).await?;
    }
    Ok(HallId(hall_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_settings_pass_the_checks_a_managers_settings_get() {
        let codes: Vec<&str> = SERVICES.iter().map(|(code, ..)| *code).collect();
        for county in [false, true] {
            let settings = HallSettings::from_stored(Some(&demo_settings(county)));
            assert_eq!(settings.validate(&codes), Ok(()));
            assert_eq!(settings.online["C"].button_zh.as_deref(), Some("我用手机缴费"));
        }
    }
}
