//! Files and repository: Dockerfiles, compose/Kubernetes, sshd, security.txt, monitoring set-up.

pub mod container_added_capabilities;
pub mod container_host_network;
pub mod container_image_unpinned;
pub mod container_privilege_escalation;
pub mod container_privileged;
pub mod container_runs_as_root;
pub mod database_port_published;
pub mod dependency_updates_unconfigured;
pub mod docker_socket_mounted;
pub mod dockerfile;
pub mod dockerfile_add_remote_url;
pub mod error_tracking_missing;
pub mod logging_not_configured;
pub mod monitoring;
pub mod production_data_in_fixtures;
pub mod project;
pub mod remote_script_piped_to_shell;
pub mod security_txt_invalid;
pub mod security_txt_missing;
pub mod sshd;
pub mod sshd_empty_passwords_permitted;
pub mod sshd_password_authentication;
pub mod sshd_root_login_permitted;
pub mod workload;
pub mod yaml;

use crate::engine::FileCx;
use crate::lang::{JsCheck, ProjectCheck, ProjectCx, PyCheck, TextCheck};
use crate::meta::RuleMeta;
use crate::registry::Registry;
use crate::source::FileKind;

static DOCKER: &[&RuleMeta] = &[
    &sshd_root_login_permitted::SSHD_ROOT_LOGIN_PERMITTED,
    &sshd_password_authentication::SSHD_PASSWORD_AUTHENTICATION,
    &sshd_empty_passwords_permitted::SSHD_EMPTY_PASSWORDS_PERMITTED,
    &container_image_unpinned::CONTAINER_IMAGE_UNPINNED,
    &container_runs_as_root::CONTAINER_RUNS_AS_ROOT,
    &dockerfile_add_remote_url::DOCKERFILE_ADD_REMOTE_URL,
    &remote_script_piped_to_shell::REMOTE_SCRIPT_PIPED_TO_SHELL,
];

static YAML: &[&RuleMeta] = &[
    &container_image_unpinned::CONTAINER_IMAGE_UNPINNED,
    &container_privileged::CONTAINER_PRIVILEGED,
    &container_added_capabilities::CONTAINER_ADDED_CAPABILITIES,
    &container_host_network::CONTAINER_HOST_NETWORK,
    &container_privilege_escalation::CONTAINER_PRIVILEGE_ESCALATION,
    &container_runs_as_root::CONTAINER_RUNS_AS_ROOT,
    &database_port_published::DATABASE_PORT_PUBLISHED,
    &docker_socket_mounted::DOCKER_SOCKET_MOUNTED,
];

static ALL: &[&RuleMeta] = &[
    &container_image_unpinned::CONTAINER_IMAGE_UNPINNED,
    &container_runs_as_root::CONTAINER_RUNS_AS_ROOT,
    &dockerfile_add_remote_url::DOCKERFILE_ADD_REMOTE_URL,
    &remote_script_piped_to_shell::REMOTE_SCRIPT_PIPED_TO_SHELL,
    &container_privileged::CONTAINER_PRIVILEGED,
    &container_added_capabilities::CONTAINER_ADDED_CAPABILITIES,
    &container_host_network::CONTAINER_HOST_NETWORK,
    &container_privilege_escalation::CONTAINER_PRIVILEGE_ESCALATION,
    &database_port_published::DATABASE_PORT_PUBLISHED,
    &docker_socket_mounted::DOCKER_SOCKET_MOUNTED,
    &sshd_root_login_permitted::SSHD_ROOT_LOGIN_PERMITTED,
    &sshd_password_authentication::SSHD_PASSWORD_AUTHENTICATION,
    &sshd_empty_passwords_permitted::SSHD_EMPTY_PASSWORDS_PERMITTED,
    &security_txt_invalid::SECURITY_TXT_INVALID,
    &security_txt_missing::SECURITY_TXT_MISSING,
    &dependency_updates_unconfigured::DEPENDENCY_UPDATES_UNCONFIGURED,
    &logging_not_configured::LOGGING_NOT_CONFIGURED,
    &error_tracking_missing::ERROR_TRACKING_MISSING,
];

static SSHD: &[&RuleMeta] = &[
    &sshd_root_login_permitted::SSHD_ROOT_LOGIN_PERMITTED,
    &sshd_password_authentication::SSHD_PASSWORD_AUTHENTICATION,
    &sshd_empty_passwords_permitted::SSHD_EMPTY_PASSWORDS_PERMITTED,
];

static SECURITY_TXT: &[&RuleMeta] = &[&security_txt_invalid::SECURITY_TXT_INVALID];
static PRODUCTION_DATA: &[&RuleMeta] = &[&production_data_in_fixtures::PRODUCTION_DATA_IN_FIXTURES];
static SECURITY_TXT_MISSING: &[&RuleMeta] = &[&security_txt_missing::SECURITY_TXT_MISSING];
static DEPENDENCY_UPDATES: &[&RuleMeta] =
    &[&dependency_updates_unconfigured::DEPENDENCY_UPDATES_UNCONFIGURED];

pub(crate) static MONITORING: &[&RuleMeta] = &[
    &logging_not_configured::LOGGING_NOT_CONFIGURED,
    &error_tracking_missing::ERROR_TRACKING_MISSING,
];

/// Dockerfiles: parsed once, every Dockerfile rule runs on the result.
fn check_dockerfile(cx: &mut FileCx<'_>) {
    if cx.kind != FileKind::Dockerfile {
        return;
    }
    let df = dockerfile::parse(cx.text);
    if let Some(bad) = df
        .instrs
        .iter()
        .find(|i| !dockerfile::KEYWORDS.contains(&i.keyword.as_str()))
    {
        let line = cx.line_of(bad.range.start);
        let kw: String = bad.keyword.chars().take(40).collect();
        cx.note(
            crate::finding::Note::warning(
                Some(cx.path.to_owned()),
                format!("`{kw}` is not a Dockerfile instruction; Dockerfile checks may be incomplete for this file"),
            )
            .at_line(line),
        );
    }
    container_runs_as_root::check_docker(cx, &df);
    if cx.is_test {
        return;
    }
    container_image_unpinned::check(cx, &df);
    let ssh = sshd::from_dockerfile(&df);
    sshd_root_login_permitted::check_writes(cx, &ssh);
    sshd_password_authentication::check_writes(cx, &ssh);
    sshd_empty_passwords_permitted::check_writes(cx, &ssh);
    dockerfile_add_remote_url::check(cx, &df);
    remote_script_piped_to_shell::check(cx, &df);
}

/// Compose files and Kubernetes manifests: parsed once, every container rule runs on them.
fn check_yaml(cx: &mut FileCx<'_>) {
    workload::with_docs(cx, |cx, docs| {
        container_image_unpinned::check_yaml(cx, docs);
        container_privileged::check(cx, docs);
        container_added_capabilities::check(cx, docs);
        container_host_network::check(cx, docs);
        container_privilege_escalation::check(cx, docs);
        container_runs_as_root::check_yaml(cx, docs);
        database_port_published::check(cx, docs);
        docker_socket_mounted::check(cx, docs);
    });
}

fn check_sshd(cx: &mut FileCx<'_>) {
    if cx.is_test || !sshd::is_sshd_config(cx) {
        return;
    }
    let settings = sshd::parse(cx.text);
    sshd_root_login_permitted::check(cx, &settings);
    sshd_password_authentication::check(cx, &settings);
    sshd_empty_passwords_permitted::check(cx, &settings);
}

/// Monitoring facts are gathered once per project for both rules.
fn check_monitoring(pcx: &mut ProjectCx<'_>) {
    let gathered = std::mem::take(
        &mut pcx
            .file_facts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .monitoring,
    );
    for p in project::projects(pcx) {
        let facts = monitoring::collect(&p, pcx.config, &gathered);
        logging_not_configured::check(pcx, &facts);
        error_tracking_missing::check(pcx, &facts);
    }
}

pub(crate) fn register(r: &mut Registry) {
    r.rules(PRODUCTION_DATA);
    r.text.push(TextCheck {
        rules: PRODUCTION_DATA,
        run: production_data_in_fixtures::check,
    });
    r.rules(ALL);
    r.text.push(TextCheck {
        rules: DOCKER,
        run: check_dockerfile,
    });
    r.text.push(TextCheck {
        rules: YAML,
        run: check_yaml,
    });
    r.text.push(TextCheck {
        rules: SSHD,
        run: check_sshd,
    });
    r.text.push(TextCheck {
        rules: SECURITY_TXT,
        run: security_txt_invalid::check,
    });
    r.project.push(ProjectCheck {
        rules: SECURITY_TXT_MISSING,
        run: security_txt_missing::check,
        after_file_pass: false,
    });
    r.project.push(ProjectCheck {
        rules: DEPENDENCY_UPDATES,
        run: dependency_updates_unconfigured::check,
        after_file_pass: false,
    });
    // The fact checks also run in the file pass, which gathers their facts for the project
    // check (see `monitoring::gather_begin`); outside a scan's file pass they do nothing.
    r.py.extend(monitoring::PY_CHECK.iter().map(|c| PyCheck { ..*c }));
    r.js.extend(monitoring::JS_CHECK.iter().map(|c| JsCheck { ..*c }));
    r.project.push(ProjectCheck {
        rules: MONITORING,
        run: check_monitoring,
        after_file_pass: true,
    });
}

#[cfg(test)]
mod project_tests;
