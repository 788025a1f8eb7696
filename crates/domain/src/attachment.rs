//! What a progress report (进展报送) may carry as attachments: the allowed file types, the size
//! of one file and how many per report. The page's upload and any other front end check the
//! same policy.

/// At most 10 MiB per file.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// At most 5 files per report.
pub const MAX_ATTACHMENTS: usize = 5;

/// Allowed extensions and the content type each is stored and served with.
pub const ALLOWED_TYPES: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("txt", "text/plain"),
];

/// Why an attachment is refused (the message names the file, in Chinese).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("每次最多上传 {MAX_ATTACHMENTS} 个附件")]
    TooMany,
    #[error("附件“{0}”超过 10 MB")]
    TooLarge(String),
    #[error("附件“{0}”的类型不允许（允许 pdf、png、jpg、docx、xlsx、txt）")]
    Type(String),
}

/// An attachment that passed the policy: a safe file name and its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub file_name: String,
    pub content_type: &'static str,
}

/// Checks the next attachment of a report, `already` being how many were accepted before it.
pub fn check(file_name: &str, size: usize, already: usize) -> Result<Accepted, AttachmentError> {
    if already >= MAX_ATTACHMENTS {
        return Err(AttachmentError::TooMany);
    }
    if size > MAX_ATTACHMENT_BYTES {
        return Err(AttachmentError::TooLarge(file_name.to_string()));
    }
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, mime)) = ALLOWED_TYPES.iter().find(|(e, _)| *e == ext) else {
        return Err(AttachmentError::Type(file_name.to_string()));
    };
    Ok(Accepted {
        file_name: file_name
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
            .take(100)
            .collect(),
        content_type: mime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attachment_policy() {
        let ok = check("报告.PDF", 100, 0).expect("a pdf");
        assert_eq!(ok.content_type, "application/pdf");
        assert_eq!(
            check("../a\"b.txt", 1, 0).expect("txt").file_name,
            "..ab.txt"
        );
        assert_eq!(
            check("x.exe", 1, 0),
            Err(AttachmentError::Type("x.exe".into()))
        );
        assert_eq!(
            check("x.pdf", MAX_ATTACHMENT_BYTES + 1, 0),
            Err(AttachmentError::TooLarge("x.pdf".into()))
        );
        assert!(check("x.pdf", MAX_ATTACHMENT_BYTES, 0).is_ok());
        assert_eq!(
            check("x.pdf", 1, MAX_ATTACHMENTS),
            Err(AttachmentError::TooMany)
        );
    }
}
