import ConfParse

/// What imapd.conf says about Sieve at delivery (Cyrus's option names and defaults, plus our
/// `sieve_script_path`).
public struct SieveSettings: Sendable, Equatable {
    /// Where users' scripts are.
    var layout: SieveScriptLocator.Layout
    /// `sievedir` (default `/usr/sieve`): Cyrus's layout and `include :global` scripts.
    public var sievedir: String
    /// `sieve_maxscriptsize` in bytes (KiB in imapd.conf, default 32): larger scripts are not run.
    public var maxScriptBytes: Int
    /// `sieve_use_lmtp_reject` (default on): `reject` answers `550 5.7.1` instead of mailing a notice.
    public var lmtpReject: Bool
    /// `anysievefolder`: `fileinto` may create any folder.
    public var createAnyFolder: Bool
    /// `autocreate_sieve_folders` (`|`-separated): folders `fileinto` may create.
    public var creatableFolders: Set<String>
    /// `sieve_vacation_min_response` / `_max_response` (seconds): the clamp of `:days`/`:seconds`.
    public var vacationMinimum: Int
    public var vacationMaximum: Int
    /// `sieve_duplicate_max_expiration` (seconds): the cap of the `duplicate` test.
    public var duplicateMaximum: Int
    /// `sendmail` (default `/usr/lib/sendmail`): how redirects and replies leave.
    public var sendmail: String

    init(_ imapd: ImapdConfig, partitionRoot: String) {
        sievedir = imapd[.sievedir]
        if let template = imapd[.sieveScriptPath], !template.isEmpty {
            layout = .template(template)
        } else if imapd[.sieveusehomedir] {
            layout = .home
        } else {
            layout = .cyrus(sievedir: sievedir)
        }
        maxScriptBytes = max(0, imapd[.sieveMaxscriptsize]) * 1024
        lmtpReject = imapd[.sieveUseLmtpReject]
        createAnyFolder = imapd[.anysievefolder]
        creatableFolders = Set((imapd[.autocreateSieveFolders] ?? "").split(separator: "|")
            .map { $0.trimmingCharacters(in: " \t") }.filter { !$0.isEmpty })
        vacationMinimum = max(0, imapd[.sieveVacationMinResponse])
        vacationMaximum = max(vacationMinimum, imapd[.sieveVacationMaxResponse])
        duplicateMaximum = max(0, imapd[.sieveDuplicateMaxExpiration])
        sendmail = imapd[.sendmail]
    }
}
