//! Satisfaction ratings in the style of the government 好差评 scale: five levels, optional
//! reason tags, an optional comment. One per finished ticket, editable for a short while.
use chrono::{DateTime, Duration, Utc};

/// (score, 中文, English), best first.
pub const LEVELS: [(u8, &str, &str); 5] = [
    (5, "非常满意", "Very satisfied"),
    (4, "满意", "Satisfied"),
    (3, "基本满意", "Fairly satisfied"),
    (2, "不满意", "Dissatisfied"),
    (1, "非常不满意", "Very dissatisfied"),
];

/// Reason tags offered with good ratings (4–5) and with poor ones (1–3).
pub const PRAISE_TAGS: [&str; 4] = ["服务热情", "办理高效", "解答专业", "环境舒适"];
pub const COMPLAINT_TAGS: [&str; 5] = ["等候太久", "态度不好", "解释不清", "多次跑腿", "系统故障"];

pub const MAX_COMMENT_CHARS: usize = 500;
/// How long after rating it may still be changed.
pub const EDIT_WINDOW: Duration = Duration::minutes(10);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("score must be 1 (非常不满意) to 5 (非常满意)")]
    Score,
    #[error("unknown reason tag '{0}'")]
    Tag(String),
    #[error("a comment has at most {MAX_COMMENT_CHARS} characters")]
    CommentTooLong,
}

pub fn label(score: u8) -> Option<(&'static str, &'static str)> {
    LEVELS.iter().find(|(s, _, _)| *s == score).map(|(_, zh, en)| (*zh, *en))
}

/// Checks a rating; returns the tags without duplicates, in the order given.
pub fn validate(score: i64, tags: &[String], comment: Option<&str>) -> Result<(u8, Vec<String>), RatingError> {
    let score = u8::try_from(score).ok().filter(|s| (1..=5).contains(s)).ok_or(RatingError::Score)?;
    let mut kept: Vec<String> = Vec::new();
    for tag in tags {
        let known = PRAISE_TAGS.contains(&tag.as_str()) || COMPLAINT_TAGS.contains(&tag.as_str());
        if !known {
            return Err(RatingError::Tag(tag.clone()));
        }
        if !kept.contains(tag) {
            kept.push(tag.clone());
        }
    }
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(RatingError::CommentTooLong);
    }
    Ok((score, kept))
}

pub fn editable(created_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - created_at <= EDIT_WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_run_from_one_to_five() {
        assert_eq!(validate(0, &[], None), Err(RatingError::Score));
        assert_eq!(validate(6, &[], None), Err(RatingError::Score));
        assert_eq!(validate(5, &[], None), Ok((5, vec![])));
        assert_eq!(label(3), Some(("基本满意", "Fairly satisfied")));
    }

    #[test]
    fn tags_come_from_the_lists_and_are_kept_once() {
        let tags = vec!["等候太久".to_owned(), "等候太久".to_owned(), "态度不好".to_owned()];
        assert_eq!(validate(2, &tags, None).map(|(_, t)| t), Ok(vec!["等候太久".to_owned(), "态度不好".to_owned()]));
        assert_eq!(validate(2, &["好".to_owned()], None), Err(RatingError::Tag("好".into())));
        assert_eq!(validate(4, &[], Some(&"字".repeat(501))), Err(RatingError::CommentTooLong));
    }

    #[test]
    fn ratings_can_be_changed_for_ten_minutes() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).expect("time");
        assert!(editable(at, at + Duration::minutes(10)));
        assert!(!editable(at, at + Duration::minutes(10) + Duration::seconds(1)));
    }
}
