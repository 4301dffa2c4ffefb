//! Interface text in Simplified Chinese (default) and English (on request: `?lang=en`, kept in
//! a cookie).
use actix_web::HttpRequest;
use serde_json::{Map, Value};

pub const LANG_COOKIE: &str = "hallq_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "zh" | "zh-CN" | "zh-cn" => Some(Self::Zh),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// `?lang=` first (the switch), then the cookie, then Chinese.
    pub fn of(req: &HttpRequest) -> (Self, bool) {
        let from_query =
            req.query_string().split('&').find_map(|pair| pair.strip_prefix("lang=")).and_then(Self::parse);
        if let Some(lang) = from_query {
            return (lang, true);
        }
        let from_cookie = req.cookie(LANG_COOKIE).and_then(|c| Self::parse(c.value()));
        (from_cookie.unwrap_or(Self::Zh), false)
    }
}

/// (key, 中文, English)
const TEXTS: &[(&str, &str, &str)] = &[
    ("app_name", "hallq 排队叫号系统", "hallq queue system"),
    ("switch_lang", "English", "中文"),
    ("entry_points", "入口", "Entry points"),
    ("queues_now", "当前排队", "Queues now"),
    ("service", "业务", "Service"),
    ("waiting", "等候人数", "Waiting"),
    ("open_windows", "开放窗口", "Open windows"),
    ("estimated_wait", "预计等候", "Estimated wait"),
    ("minutes", "分钟", "min"),
    ("windows", "窗口", "Windows"),
    ("api_doc", "接口文档（OpenAPI）", "API document (OpenAPI)"),
    (
        "api_doc_hint",
        "JSON 接口，供取号机、显示屏和外部系统对接",
        "The JSON API that kiosks, displays and outside systems use",
    ),
    ("live_stream", "实时事件流（WebSocket）", "Live event stream (WebSocket)"),
    ("health", "运行状态", "Health"),
    ("no_halls", "尚未配置办税服务厅。", "No hall has been set up yet."),
    ("state_open", "开放", "open"),
    ("state_closed", "未开放", "closed"),
    ("state_paused", "暂停", "paused"),
    ("not_found", "页面不存在", "Page not found"),
    ("back_home", "返回首页", "Back to the start page"),
    ("display_title", "叫号显示屏", "Hall display"),
    ("now_calling", "正在呼叫", "Now calling"),
    ("recent_calls", "最近叫号", "Recent calls"),
    ("waiting_now", "等候人数", "Waiting"),
    ("connection_lost", "连接中断，正在重连…", "Connection lost, reconnecting…"),
    ("enable_sound", "点击启用声音 · Tap to enable sound", "Tap to enable sound · 点击启用声音"),
    ("hall_display", "叫号显示屏（大厅）", "Hall display"),
    ("hall_display_hint", "挂在大厅的综合显示屏，含普通话语音叫号", "The wall display, with Mandarin announcements"),
    ("si_display", "社保收现区显示屏（9–10 号窗口）", "Social-insurance cash area display (windows 9–10)"),
    ("window_screens", "窗口屏", "Window screens"),
];

pub fn texts(lang: Lang) -> Value {
    let map: Map<String, Value> = TEXTS
        .iter()
        .map(|(key, zh, en)| ((*key).to_owned(), Value::from(if lang == Lang::En { *en } else { *zh })))
        .collect();
    Value::Object(map)
}
