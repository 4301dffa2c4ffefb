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
    // Window console and floor control
    ("console_title", "窗口叫号台", "Window console"),
    ("floor_title", "大厅现场管理", "Floor control"),
    ("sign_in", "登录", "Sign in"),
    ("sign_out", "签退", "Sign out"),
    ("username", "账号", "Username"),
    ("password", "密码", "Password"),
    ("pick_window", "选择窗口", "Choose your window"),
    ("pick_window_hint", "一个窗口同一时间只能由一人登录。", "One person per window at a time."),
    (
        "no_windows_assigned",
        "您的账号尚未分配窗口，请联系大厅负责人。",
        "No window is assigned to your account; ask the hall manager.",
    ),
    ("act_call_next", "呼叫下一位", "Call next"),
    ("act_recall", "重呼", "Recall"),
    ("act_start", "开始办理", "Start"),
    ("act_finish", "办结", "Finish"),
    ("act_no_show", "过号", "No-show"),
    ("act_transfer", "转移", "Transfer"),
    ("act_transfer_plain", "转移号码", "Transfer the ticket"),
    ("act_pause", "暂停", "Pause"),
    ("act_pause_plain", "暂停服务", "Pause the window"),
    ("act_resume", "恢复", "Resume"),
    ("act_resume_plain", "恢复服务", "Resume"),
    ("act_open", "开始服务（开窗）", "Open the window"),
    ("act_open_plain", "开启", "Open"),
    ("act_close_plain", "关闭", "Close"),
    ("autocall", "办结后自动呼叫下一位", "After finishing, call the next automatically"),
    ("autocall_in", "{n} 秒后自动呼叫下一位", "Calling the next in {n} s"),
    ("seconds", "秒", "s"),
    ("cancel", "取消", "Cancel"),
    ("confirm", "确定", "OK"),
    ("save", "保存", "Save"),
    ("today_figures", "本窗口今日", "This window today"),
    ("fig_served", "已办结", "Served"),
    ("fig_handling", "平均办理时长", "Average handling"),
    ("fig_wait", "平均等候时长", "Average wait"),
    ("fig_no_shows", "过号", "No-shows"),
    ("recent_no_shows", "最近过号（可恢复）", "Recent no-shows (can be restored)"),
    ("restore", "恢复排队", "Put back in line"),
    ("restorable_until", "可恢复至", "until"),
    ("queues_of_window", "本窗口业务排队", "Queues of this window"),
    ("waiting_list", "等候列表", "Waiting list"),
    ("number", "号码", "Number"),
    ("priority", "类别", "Priority"),
    ("waited", "已等候", "Waited"),
    ("call_this", "呼叫此号", "Call"),
    ("nobody_waiting", "当前无人等候", "Nobody is waiting"),
    ("to_this_window", "指定本窗口", "sent to this window"),
    ("priority_green", "绿色通道", "Green channel"),
    ("priority_appointment", "预约", "Appointment"),
    ("priority_normal", "普通", "Normal"),
    ("status_called", "已呼叫", "Called"),
    ("status_serving", "办理中", "Serving"),
    ("waited_for", "等候时长", "Waited"),
    ("served_for", "办理时长", "Serving for"),
    ("recalls", "重呼次数", "Recalls"),
    ("transfer_note", "转移备注", "Transfer note"),
    ("transferred_no_note", "（已转移，无备注）", "(transferred, no note)"),
    ("contact", "联系人", "Contact"),
    ("no_current_ticket", "当前没有号码，请按「呼叫下一位」", "No ticket; press Call next"),
    ("window_closed_hint", "窗口未开放，请按「开始服务」开窗", "The window is closed; open it to start"),
    ("window_paused_hint", "暂停服务中", "Paused"),
    ("to_service", "转到业务队列", "To a service queue"),
    ("to_window", "转到指定窗口", "To a window"),
    ("other_reason", "其他原因", "Other reason"),
    ("min", "分钟", "min"),
    ("longest", "最长", "longest"),
    ("none", "无", "None"),
    ("signed_out_elsewhere", "您已在别处签退，或被管理员签退。", "You were signed out elsewhere or by a manager."),
    ("longest_wait", "最长等候", "Longest wait"),
    ("target_wait", "目标等候", "Target wait"),
    ("window_log", "窗口操作记录", "Window log"),
    ("si_cash", "社保收现", "SI cash"),
    ("pause_reason", "暂停原因", "Reason"),
    ("signed_in_since", "已登录", "signed in for"),
    ("nobody_signed_in", "无人登录", "Nobody signed in"),
    ("edit_services", "编辑业务", "Edit services"),
    (
        "services_order_hint",
        "勾选本窗口办理的业务，排在前面的为专长业务。",
        "Tick the services this window serves; the first are its specialty.",
    ),
    ("force_sign_out", "强制签退", "Force sign-out"),
    ("force_sign_out_confirm", "确定将 {name} 签退？", "Sign {name} out?"),
    (
        "over_target_warning",
        "{service}：最长已等候 {longest} 分钟，超过目标 {target} 分钟",
        "{service}: longest wait {longest} min, past the {target} min target",
    ),
    ("done_ok", "已完成", "Done"),
    ("by", "操作人", "by"),
    ("log_window_opened", "{window} 号窗口开启", "Window {window} opened"),
    ("log_window_closed", "{window} 号窗口关闭", "Window {window} closed"),
    ("log_window_paused", "{window} 号窗口暂停", "Window {window} paused"),
    ("log_window_resumed", "{window} 号窗口恢复", "Window {window} resumed"),
    ("log_window_signed_in", "{window} 号窗口登录", "Signed in at window {window}"),
    ("log_window_signed_out", "{window} 号窗口签退", "Signed out of window {window}"),
    ("log_window_updated", "{window} 号窗口业务调整", "Window {window} services changed"),
    ("err_unknown", "操作失败，请重试", "That did not work; try again"),
    ("err_network", "网络中断，请稍后重试", "No connection; try again shortly"),
    ("err_window_occupied", "该窗口已有其他人员登录", "Someone else is signed in at this window"),
    (
        "err_signed_in_elsewhere",
        "您已在 {window} 号窗口登录，请先在那里签退",
        "You are signed in at window {window}; sign out there first",
    ),
    (
        "err_window_busy",
        "本窗口还有未办结的号码，请先办结、过号或转移",
        "This window still holds a ticket; finish, no-show or transfer it first",
    ),
    ("err_window_not_open", "窗口未开放或已暂停", "The window is not open"),
    ("err_invalid_window_state", "窗口当前状态下不能这样操作", "Not possible in the window's current state"),
    ("err_no_ticket", "当前没有号码", "The window holds no ticket"),
    ("err_invalid_transition", "当前状态下不能这样操作", "Not possible in the ticket's current state"),
    ("err_recall_limit", "重呼次数已达上限，请标记过号", "Recall limit reached; mark it no-show"),
    ("err_grace_expired", "已超过可恢复时限，请重新取号", "Too late to restore; take a new ticket"),
    ("err_ticket_changed", "号码状态刚刚变化，已刷新", "The ticket just changed; refreshed"),
    ("err_not_served_here", "本窗口不办理该号码的业务", "This window does not serve that ticket"),
    ("err_invalid_credentials", "账号或密码错误", "Wrong username or password"),
    ("err_rate_limited", "登录失败次数过多，请稍后再试", "Too many failed sign-ins; wait a moment"),
    ("err_forbidden", "没有权限进行此操作", "You may not do that"),
    ("err_unauthorized", "请先登录", "Please sign in"),
    ("err_not_signed_in", "该窗口当前无人登录", "Nobody is signed in at this window"),
    ("err_same_window", "不能转移到本窗口", "Cannot transfer to this same window"),
];

pub fn texts(lang: Lang) -> Value {
    let map: Map<String, Value> = TEXTS
        .iter()
        .map(|(key, zh, en)| ((*key).to_owned(), Value::from(if lang == Lang::En { *en } else { *zh })))
        .collect();
    Value::Object(map)
}
