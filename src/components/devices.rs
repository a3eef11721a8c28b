//! The account page's signed-in devices: browser and platform, last active, "This device",
//! signing out one other device or all of them.

use leptos::prelude::*;
use onetime_protocol::slim::Device;

use crate::auth::{use_auth, use_user};
use crate::components::errors::{FlowLinks, FormError};
use crate::components::runner::Runner;
use crate::identifier::IdentifierKind;
use crate::messages::{UiError, describe_account};
use crate::time::format_time;

/// "Chrome 140 on Linux", from what the server read in the device's `User-Agent`.
pub fn device_label(device: &Device) -> String {
    let Some(a) = &device.latest_activity else {
        return "Unknown device".to_string();
    };
    let browser = match (&a.browser_name, &a.browser_version) {
        (Some(name), Some(version)) => format!("{name} {version}"),
        (Some(name), None) => name.clone(),
        (None, _) => "Unknown browser".to_string(),
    };
    match &a.device_type {
        Some(platform) => format!("{browser} on {platform}"),
        None => browser,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Load,
    /// Signs out these sessions (one device, or every other one), then reloads the list.
    Revoke(Vec<String>),
}

/// The devices section (`#devices`).
#[component]
pub fn Devices(
    /// Announces what happened (the page's live region).
    status: RwSignal<String>,
) -> impl IntoView {
    let auth = use_auth();
    let user = use_user();
    let this_session = Memo::new(move |_| user.session().map(|s| s.id).unwrap_or_default());
    // `None` until the first answer.
    let devices = RwSignal::new(None::<Vec<Device>>);
    let error = RwSignal::new(None::<UiError>);
    let runner = Runner::new(move |_runner: Runner<Op>, op: Op| async move {
        let api = auth.api();
        let me = api.me();
        if let Op::Revoke(ids) = op {
            let count = ids.len();
            for id in ids {
                if let Err(e) = me.revoke(&id).await {
                    error.set(Some(describe_account(&e, IdentifierKind::Phone)));
                    return;
                }
            }
            status.set(if count == 1 {
                "Signed out of 1 device.".to_string()
            } else {
                format!("Signed out of {count} devices.")
            });
        }
        match me.devices().await {
            Ok(list) => {
                error.set(None);
                devices.set(Some(list));
            }
            Err(e) => error.set(Some(describe_account(&e, IdentifierKind::Phone))),
        }
    });
    runner.run(Op::Load);
    let pending = runner.pending();
    let others = move || {
        let me = this_session.get();
        devices.with(|d| {
            d.iter()
                .flatten()
                .filter(|d| d.id != me)
                .map(|d| d.id.clone())
                .collect::<Vec<_>>()
        })
    };
    let on_retry = Callback::new(move |_| {
        error.set(None);
        runner.retry();
    });
    let links = FlowLinks::none();

    let row = move |d: Device| {
        let is_this = d.id == this_session.get_untracked();
        let label = device_label(&d);
        let mobile = d.latest_activity.as_ref().is_some_and(|a| a.is_mobile);
        let id = d.id.clone();
        view! {
            <li class="device-row" data-session=d.id.clone()>
                <span class="device-name">{label.clone()} {mobile.then_some(" (mobile)")}</span>
                <span class="muted device-active">"Last active " {format_time(d.last_active_at)}</span>
                {if is_this {
                    view! { <span class="badge badge-success this-device">"This device"</span> }.into_any()
                } else {
                    view! {
                        <button type="button" class="link-button danger-link revoke-device" disabled=move || pending.get()
                            aria-label=format!("Sign out of {label}")
                            on:click=move |_| runner.run(Op::Revoke(vec![id.clone()]))>
                            "Sign out"
                        </button>
                    }.into_any()
                }}
            </li>
        }
    };

    view! {
        <section class="profile-section" aria-labelledby="profile-devices" aria-busy=move || pending.get().to_string()>
            <h2 id="profile-devices" class="section-title">"Devices"</h2>
            <ul class="device-list" id="devices">
                {move || match devices.get() {
                    None => view! { <li class="muted">"Loading devices…"</li> }.into_any(),
                    Some(list) => list.into_iter().map(row).collect_view().into_any(),
                }}
            </ul>
            <FormError error=error links=links on_retry=on_retry/>
            {move || (!others().is_empty()).then(|| view! {
                <button type="button" id="revoke-other-devices" class="button button-secondary button-small" disabled=move || pending.get()
                    on:click=move |_| runner.run(Op::Revoke(others()))>
                    "Sign out of all other devices"
                </button>
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onetime_protocol::slim::DeviceActivity;

    fn device(name: Option<&str>, version: Option<&str>, platform: Option<&str>) -> Device {
        Device {
            id: "sess_1".into(),
            last_active_at: 1,
            latest_activity: Some(DeviceActivity {
                browser_name: name.map(Into::into),
                browser_version: version.map(Into::into),
                device_type: platform.map(Into::into),
                is_mobile: false,
            }),
        }
    }

    #[test]
    fn labels_say_what_is_known() {
        assert_eq!(
            device_label(&device(Some("Chrome"), Some("140"), Some("Linux"))),
            "Chrome 140 on Linux"
        );
        assert_eq!(device_label(&device(Some("Safari"), None, None)), "Safari");
        assert_eq!(
            device_label(&device(None, Some("1"), Some("Android"))),
            "Unknown browser on Android"
        );
        let unknown = Device {
            latest_activity: None,
            ..device(None, None, None)
        };
        assert_eq!(device_label(&unknown), "Unknown device");
    }
}
