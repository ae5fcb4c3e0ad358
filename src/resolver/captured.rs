//! Replies captured from real nats-servers, byte for byte: a 3-node 2.14.0 cluster with a
//! full resolver on every node, and a 2.9.10 server alone (`nats-server -c` with
//! `OperatorSetup::full_config`). Each server answers once; these are one server's.
//!
//! A lookup of an account a server does not hold is an empty message on 2.14.0 and no
//! message at all on 2.9.10.

/// The tenant pushed in the 2.14.0 cluster.
pub const TENANT: &str = "ADY3BBA75Y6DY6B76UV3GWNW6IARM65AM3NWQ7ZBPP5SM5FTZ6HJDBDS";
/// Its system account.
pub const SYSTEM: &str = "AB3FUI7DVPGVJQWTYUXQZG3WYLCNXNEBQYAPNIXIOWRM5OBKGQN3KI6A";

/// `$SYS.REQ.SERVER.PING`, answered by the third node of a 2.14.0 cluster.
pub const PING_2_14: &[u8] = br#"{"server":{"name":"natsjwt-test-29434-2","host":"0.0.0.0","id":"NCTRO732C4XXNJCQ5TIEL6VDCQNMDQ7CA4S4QLIHT6PCG3FBGJ6NQATA","cluster":"explore","ver":"2.14.0","feature_flags":{"js_ack_fc_v2":false,"js_raft_delete_range":false},"jetstream":false,"flags":0,"seq":11,"time":"2026-12-01T12:44:44.975039291Z"},"statsz":{"start":"2026-12-01T12:44:41.848985102Z","mem":16044032,"cores":2,"cpu":0,"connections":0,"total_connections":1,"active_accounts":1,"subscriptions":186,"sent":{"msgs":4,"bytes":5996},"received":{"msgs":6,"bytes":6849},"slow_consumers":0,"routes":[{"rid":7,"name":"natsjwt-test-29434-0","sent":{"msgs":0,"bytes":0},"received":{"msgs":0,"bytes":0},"pending":0},{"rid":9,"name":"natsjwt-test-29434-0","sent":{"msgs":0,"bytes":0},"received":{"msgs":0,"bytes":0},"pending":0},{"rid":10,"name":"natsjwt-test-29434-0","sent":{"msgs":0,"bytes":0},"received":{"msgs":0,"bytes":0},"pending":0},{"rid":6,"name":"natsjwt-test-29434-1","sent":{"msgs":0,"bytes":0},"received":{"msgs":0,"bytes":0},"pending":0},{"rid":11,"name":"natsjwt-test-29434-1","sent":{"msgs":0,"bytes":0},"received":{"msgs":0,"bytes":0},"pending":0},{"rid":12,"name":"natsjwt-test-29434-1","sent":{"msgs":0,"bytes":0},"received":{"msgs":0,"bytes":0},"pending":0},{"rid":5,"name":"natsjwt-test-29434-0","sent":{"msgs":2,"bytes":2998},"received":{"msgs":4,"bytes":3850},"pending":0},{"rid":8,"name":"natsjwt-test-29434-1","sent":{"msgs":2,"bytes":2998},"received":{"msgs":2,"bytes":2999},"pending":0}],"active_servers":3,"gomaxprocs":2}}"#;

/// `$SYS.REQ.SERVER.PING`, answered by a 2.9.10 server alone.
pub const PING_2_9: &[u8] = br#"{"server":{"name":"natsjwt-test-29554-0","host":"0.0.0.0","id":"ND5NYPBLI5WVGBIG4RMAPDK24OGVJUX7CSO2R5ALFTYO2VB3BLM7UCFS","ver":"2.9.10","seq":15,"jetstream":false,"time":"2026-12-01T12:44:52.360649589Z"},"statsz":{"start":"2026-12-01T12:44:52.237458537Z","mem":12148736,"cores":2,"cpu":0,"connections":1,"total_connections":2,"active_accounts":1,"subscriptions":50,"sent":{"msgs":0,"bytes":0},"received":{"msgs":0,"bytes":0},"slow_consumers":0,"active_servers":1}}"#;

/// `$SYS.REQ.CLAIMS.UPDATE` with a valid account JWT (2.14.0).
pub const UPDATED_2_14: &[u8] = br#"{"server":{"name":"natsjwt-test-29434-0","host":"0.0.0.0","id":"NDUWPF6KHQNI5CMRMD2ZORR454SAR2IFJZUBJNPCDOE6LY6OLJJGD35W","cluster":"explore","ver":"2.14.0","feature_flags":{"js_ack_fc_v2":false,"js_raft_delete_range":false},"jetstream":false,"flags":0,"seq":17,"time":"2026-12-01T12:44:46.480136438Z"},"data":{"account":"ADY3BBA75Y6DY6B76UV3GWNW6IARM65AM3NWQ7ZBPP5SM5FTZ6HJDBDS","code":200,"message":"jwt updated"}}"#;

/// `$SYS.REQ.CLAIMS.UPDATE` with a valid account JWT (2.9.10: `data` first).
pub const UPDATED_2_9: &[u8] = br#"{"data":{"account":"ABRUHW3OJPU6SXPBQDJXU7E32FE5AA2DYQPS4GJDKNA3G6XONJ6KAY72","code":200,"message":"jwt updated"},"server":{"name":"natsjwt-test-29554-0","host":"0.0.0.0","id":"ND5NYPBLI5WVGBIG4RMAPDK24OGVJUX7CSO2R5ALFTYO2VB3BLM7UCFS","ver":"2.9.10","seq":17,"jetstream":false,"time":"2026-12-01T12:44:52.663219807Z"}}"#;

/// `$SYS.REQ.CLAIMS.UPDATE` with `garbage` as the JWT (2.14.0).
pub const UPDATE_REFUSED: &[u8] = br#"{"server":{"name":"natsjwt-test-29434-0","host":"0.0.0.0","id":"NDUWPF6KHQNI5CMRMD2ZORR454SAR2IFJZUBJNPCDOE6LY6OLJJGD35W","cluster":"explore","ver":"2.14.0","feature_flags":{"js_ack_fc_v2":false,"js_raft_delete_range":false},"jetstream":false,"flags":0,"seq":18,"time":"2026-12-01T12:44:46.983299914Z"},"error":{"account":"n/a","code":500,"description":"jwt update resulted in error - expected 3 chunks"}}"#;

/// `$SYS.REQ.CLAIMS.LIST` after the push: the tenant and `SYS` (2.14.0).
pub const LISTED_2_14: &[u8] = br#"{"data":["AB3FUI7DVPGVJQWTYUXQZG3WYLCNXNEBQYAPNIXIOWRM5OBKGQN3KI6A","ADY3BBA75Y6DY6B76UV3GWNW6IARM65AM3NWQ7ZBPP5SM5FTZ6HJDBDS"],"server":{"name":"natsjwt-test-29434-0","host":"0.0.0.0","id":"NDUWPF6KHQNI5CMRMD2ZORR454SAR2IFJZUBJNPCDOE6LY6OLJJGD35W","cluster":"explore","ver":"2.14.0","feature_flags":{"js_ack_fc_v2":false,"js_raft_delete_range":false},"jetstream":false,"flags":0,"seq":20,"time":"2026-12-01T12:44:48.49081915Z"}}"#;

/// `$SYS.REQ.CLAIMS.LIST` after the push (2.9.10).
pub const LISTED_2_9: &[u8] = br#"{"data":["ABP6RT46NWIFOQO5Q7GXOSFNFRD4DBXHJG76FM4KBA3NSFZQ2WEJ5B74","ABRUHW3OJPU6SXPBQDJXU7E32FE5AA2DYQPS4GJDKNA3G6XONJ6KAY72"],"server":{"name":"natsjwt-test-29554-0","host":"0.0.0.0","id":"ND5NYPBLI5WVGBIG4RMAPDK24OGVJUX7CSO2R5ALFTYO2VB3BLM7UCFS","ver":"2.9.10","seq":18,"jetstream":false,"time":"2026-12-01T12:44:52.966444422Z"}}"#;

/// `$SYS.REQ.CLAIMS.DELETE` of the tenant (2.14.0: no `account` in `data`).
pub const DELETED: &[u8] = br#"{"server":{"name":"natsjwt-test-29434-0","host":"0.0.0.0","id":"NDUWPF6KHQNI5CMRMD2ZORR454SAR2IFJZUBJNPCDOE6LY6OLJJGD35W","cluster":"explore","ver":"2.14.0","feature_flags":{"js_ack_fc_v2":false,"js_raft_delete_range":false},"jetstream":false,"flags":0,"seq":22,"time":"2026-12-01T12:44:49.997006591Z"},"data":{"code":200,"message":"deleted 1 accounts"}}"#;

/// `$SYS.REQ.CLAIMS.DELETE` of the system account (2.14.0: no `account` in `error`).
pub const DELETE_REFUSED: &[u8] = br#"{"server":{"name":"natsjwt-test-29434-0","host":"0.0.0.0","id":"NDUWPF6KHQNI5CMRMD2ZORR454SAR2IFJZUBJNPCDOE6LY6OLJJGD35W","cluster":"explore","ver":"2.14.0","feature_flags":{"js_ack_fc_v2":false,"js_raft_delete_range":false},"jetstream":false,"flags":0,"seq":23,"time":"2026-12-01T12:44:50.498347257Z"},"error":{"code":500,"description":"delete accounts request by OAZHUVE3C5QJ3FXID5IDJR2JREG45L53XYP3C7IN4B6EV74GRXF2JN73 failed - not allowed to delete system account"}}"#;

/// `$SYS.REQ.ACCOUNT.<tenant>.CLAIMS.LOOKUP` after the push: the bare JWT, the same from every server (2.14.0).
pub const LOOKED_UP: &[u8] = br#"eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJQNU43UU1GTlRZR0JKQ1JTT01XV0ZQMk02WVcyWDZCTFFEWkdXRUFKRUhJNTJTUTJaNjZRIiwiaWF0IjoxNzk2MTI5MDg1LCJpc3MiOiJPQVpIVVZFM0M1UUozRlhJRDVJREpSMkpSRUc0NUw1M1hZUDNDN0lONEI2RVY3NEdSWEYySk43MyIsIm5hbWUiOiJhY21lIiwic3ViIjoiQURZM0JCQTc1WTZEWTZCNzZVVjNHV05XNklBUk02NUFNM05XUTdaQlBQNVNNNUZUWjZISkRCRFMiLCJuYXRzIjp7ImxpbWl0cyI6eyJzdWJzIjotMSwiZGF0YSI6LTEsInBheWxvYWQiOi0xLCJpbXBvcnRzIjotMSwiZXhwb3J0cyI6LTEsIndpbGRjYXJkcyI6dHJ1ZSwiY29ubiI6LTEsImxlYWYiOi0xfSwic2lnbmluZ19rZXlzIjpbIkFDNUtOREJMS1JSTFJONzJZT1ZQRTVYVUhEU00yV0pETk5WN1VKVFU2RzY0NzZXSFVKSldGWFFXIl0sImRlZmF1bHRfcGVybWlzc2lvbnMiOnsicHViIjp7fSwic3ViIjp7fX0sImF1dGhvcml6YXRpb24iOnt9LCJ0eXBlIjoiYWNjb3VudCIsInZlcnNpb24iOjJ9fQ.F6lomXEEJ1AURM_CSABModeBoD_LLTBtC0-Q_kG2RWk2nh7Nuixa3qDhS2PuDcMMGPng2qHfDhpWf6g_LauFDA"#;
