//! Many machines: the README's recipe, GNU parallel running one mpatch per
//! host, run locally over folders standing for hosts; the JSON lines and
//! exit statuses it collects say what each host did.

mod common;

use common::*;

#[test]
fn gnu_parallel_over_several_folders_collects_each_host_s_json_and_status() {
    if sh("command -v parallel").stdout.is_empty() {
        return cannot_run(
            "gnu_parallel_over_several_folders_collects_each_host_s_json_and_status",
            "GNU parallel is not installed (apt-get install parallel)",
        );
    }
    let s = Sandbox::new();
    let conf = |n: usize| "upstream api.old.example:443\n".repeat(n);
    // web1 and web2 hold the one match expected, web3 none, web4 two.
    for (host, text) in [
        ("web1", conf(1)),
        ("web2", format!("# app\n{}", conf(1))),
        ("web3", "upstream api.new.example:443\n".to_string()),
        ("web4", conf(2)),
    ] {
        std::fs::create_dir(s.path(host)).unwrap();
        s.file(&format!("{host}/app.conf"), text);
    }
    // The README's recipe with `ssh {}` left out: {} is the host's folder.
    let out = std::process::Command::new("parallel")
        .current_dir(s.dir.path())
        .args(["--will-cite", "--tag", "--joblog", "fleet.log", BIN])
        .args(["replace", "--json", "--expect", "1"])
        .args(["api.old.example", "api.new.example", "{}/app.conf"])
        .args([":::", "web1", "web2", "web3", "web4"])
        .output()
        .unwrap();
    // parallel exits with the number of jobs that failed: web3 and web4.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let mut summaries = std::collections::BTreeMap::new();
    for line in stdout(&out).lines() {
        let (host, json) = line.split_once('\t').expect("a line tagged with its host");
        let object: serde_json::Value = serde_json::from_str(json).unwrap();
        if object["type"] == "summary" {
            let matches = object["matches"].as_u64().unwrap();
            summaries.insert(host.to_string(), (object["path"].clone(), matches));
        }
    }
    assert_eq!(
        summaries,
        [
            ("web1".to_string(), ("web1/app.conf".into(), 1)),
            ("web2".to_string(), ("web2/app.conf".into(), 1)),
        ]
        .into(),
        "{}",
        stdout(&out)
    );
    // The job log: each host's exit status (0 written, 1 held back).
    let log = std::fs::read_to_string(s.path("fleet.log")).unwrap();
    let mut status: Vec<(String, String)> = log
        .lines()
        .skip(1)
        .map(|line| {
            // Seq Host Starttime JobRuntime Send Receive Exitval Signal Command
            let fields: Vec<&str> = line.split('\t').collect();
            let file = fields[8].rsplit(' ').next().unwrap();
            let host = file.trim_end_matches("/app.conf");
            (host.to_string(), fields[6].to_string())
        })
        .collect();
    status.sort();
    assert_eq!(
        status,
        [("web1", "0"), ("web2", "0"), ("web3", "1"), ("web4", "1")]
            .map(|(h, c)| (h.to_string(), c.to_string()))
            .to_vec(),
        "{log}"
    );
    // What each host's file holds now: written only where one match was.
    let now = |host: &str| std::fs::read_to_string(s.path(&format!("{host}/app.conf"))).unwrap();
    assert_eq!(now("web1"), "upstream api.new.example:443\n");
    assert_eq!(now("web2"), "# app\nupstream api.new.example:443\n");
    assert_eq!(now("web3"), "upstream api.new.example:443\n");
    assert_eq!(
        now("web4"),
        conf(2),
        "two matches, --expect 1: nothing written"
    );
}
