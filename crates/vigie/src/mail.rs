//! Delivering outbox messages: SMTP (lettre, rustls) in production, `.eml`
//! files in the data folder for the demo and for tests.

use std::{path::PathBuf, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::authentication::Credentials,
};
use vigie_store::OutboxMessage;

use crate::config::EmailConfig;

pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
        /// The whole exchange of one message, however the server stalls.
        limit: Duration,
    },
    Files {
        dir: PathBuf,
        from: Mailbox,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("email.from is not a valid mailbox: {0}")]
    From(String),
    #[error("SMTP settings: {0}")]
    Smtp(String),
}

/// Who a tenant's message is from, as its organisation sheet says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The organisation's name, shown before the platform's address.
    pub name: String,
    /// Where answers go: the organisation's DPO or référent address.
    pub reply_to: Option<String>,
}

impl Mailer {
    pub fn from_config(c: &EmailConfig, data_dir: &std::path::Path) -> Result<Self, MailError> {
        let from: Mailbox = c
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::From(e.to_string()))?;
        if c.mode == "files" {
            return Ok(Mailer::Files {
                dir: data_dir.join("outbox"),
                from,
            });
        }
        let smtp = |e: lettre::transport::smtp::Error| MailError::Smtp(e.to_string());
        let mut b = match c.smtp_tls.as_str() {
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.smtp_host).map_err(smtp)?,
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.smtp_host),
            _ => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.smtp_host).map_err(smtp)?
            }
        }
        .port(c.smtp_port)
        .timeout(Some(Duration::from_secs(c.smtp_timeout_seconds)));
        if !c.smtp_username.is_empty() {
            b = b.credentials(Credentials::new(
                c.smtp_username.clone(),
                c.smtp_password.clone(),
            ));
        }
        Ok(Mailer::Smtp {
            transport: b.build(),
            from,
            limit: Duration::from_secs(c.smtp_timeout_seconds * 2),
        })
    }

    fn from(&self) -> &Mailbox {
        match self {
            Mailer::Smtp { from, .. } | Mailer::Files { from, .. } => from,
        }
    }

    /// Sends one message; the error says why, for the outbox's record. A
    /// tenant's message says who writes (its name before the platform's
    /// address) and where an answer goes (its own address as Reply-To).
    pub async fn send(&self, m: &OutboxMessage, sender: Option<&Sender>) -> Result<(), String> {
        let to: Mailbox =
            m.to.parse()
                .map_err(|e: lettre::address::AddressError| format!("recipient: {e}"))?;
        let from = match sender {
            Some(s) => Mailbox::new(
                Some(format!("{} via Vigie", s.name)),
                self.from().email.clone(),
            ),
            None => self.from().clone(),
        };
        let mut builder = Message::builder().from(from);
        if let Some(reply) = sender.and_then(|s| s.reply_to.as_deref()) {
            match reply.parse::<Mailbox>() {
                Ok(r) => builder = builder.reply_to(r),
                Err(e) => tracing::warn!("outbox: reply address {reply} not usable: {e}"),
            }
        }
        let email = builder
            .to(to)
            .subject(m.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| e.to_string())?;
        match self {
            Mailer::Smtp {
                transport, limit, ..
            } => match tokio::time::timeout(*limit, transport.send(email)).await {
                Ok(sent) => sent.map(|_| ()).map_err(|e| e.to_string()),
                Err(_) => Err(format!(
                    "the SMTP server did not answer within {} s",
                    limit.as_secs()
                )),
            },
            Mailer::Files { dir, .. } => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| e.to_string())?;
                let name = format!("{:08}.eml", m.id.0);
                let tmp = dir.join(format!(".{name}.tmp"));
                tokio::fs::write(&tmp, email.formatted())
                    .await
                    .map_err(|e| e.to_string())?;
                tokio::fs::rename(&tmp, dir.join(name))
                    .await
                    .map_err(|e| e.to_string())
            }
        }
    }
}
