# Fifty rules of the kinds users write (header, address, list-id, numeric score with a flag,
# body). The benchmark message matches none of the first forty-nine and is filed by the last.
# Used by lmtp-bench, sieve-bench and Tests/SieveTests/FiftyRuleScriptTests.swift.
require ["fileinto", "imap4flags", "body", "relational", "comparator-i;ascii-numeric"];
if header :contains "subject" "project-0" { fileinto "P0"; stop; }
if address :domain :is ["from", "sender"] "list1.example.org" { fileinto "L1"; stop; }
if header :matches "list-id" "*<list2.*>" { fileinto "M2"; stop; }
if header :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "103" { addflag "Junk"; }
if body :contains "unsubscribe-4" { fileinto "B4"; stop; }
if header :contains "subject" "project-5" { fileinto "P5"; stop; }
if address :domain :is ["from", "sender"] "list6.example.org" { fileinto "L6"; stop; }
if header :matches "list-id" "*<list7.*>" { fileinto "M7"; stop; }
if header :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "108" { addflag "Junk"; }
if body :contains "unsubscribe-9" { fileinto "B9"; stop; }
if header :contains "subject" "project-10" { fileinto "P10"; stop; }
if address :domain :is ["from", "sender"] "list11.example.org" { fileinto "L11"; stop; }
if header :matches "list-id" "*<list12.*>" { fileinto "M12"; stop; }
if header :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "113" { addflag "Junk"; }
if body :contains "unsubscribe-14" { fileinto "B14"; stop; }
if header :contains "subject" "project-15" { fileinto "P15"; stop; }
if address :domain :is ["from", "sender"] "list16.example.org" { fileinto "L16"; stop; }
if header :matches "list-id" "*<list17.*>" { fileinto "M17"; stop; }
if header :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "118" { addflag "Junk"; }
if body :contains "unsubscribe-19" { fileinto "B19"; stop; }
if header :contains "subject" "project-20" { fileinto "P20"; stop; }
if address :domain :is ["from", "sender"] "list21.example.org" { fileinto "L21"; stop; }
if header :matches "list-id" "*<list22.*>" { fileinto "M22"; stop; }
if header :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "123" { addflag "Junk"; }
if body :contains "unsubscribe-24" { fileinto "B24"; stop; }
if header :contains "subject" "project-25" { fileinto "P25"; stop; }
if address :domain :is ["from", "sender"] "list26.example.org" { fileinto "L26"; stop; }
if header :matches "list-id" "*<list27.*>" { fileinto "M27"; stop; }
if header :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "128" { addflag "Junk"; }
if body :contains "unsubscribe-29" { fileinto "B29"; stop; }
if header :contains "subject" "project-30" { fileinto "P30"; stop; }
if address :domain :is ["from", "sender"] "list31.example.org" { fileinto "L31"; stop; }
if header :matches "list-id" "*<list32.*>" { fileinto "M32"; stop; }
if header :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "133" { addflag "Junk"; }
if body :contains "unsubscribe-34" { fileinto "B34"; stop; }
if header :contains "subject" "project-35" { fileinto "P35"; stop; }
if address :domain :is ["from", "sender"] "list36.example.org" { fileinto "L36"; stop; }
if header :matches "list-id" "*<list37.*>" { fileinto "M37"; stop; }
if header :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "138" { addflag "Junk"; }
if body :contains "unsubscribe-39" { fileinto "B39"; stop; }
if header :contains "subject" "project-40" { fileinto "P40"; stop; }
if address :domain :is ["from", "sender"] "list41.example.org" { fileinto "L41"; stop; }
if header :matches "list-id" "*<list42.*>" { fileinto "M42"; stop; }
if header :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "143" { addflag "Junk"; }
if body :contains "unsubscribe-44" { fileinto "B44"; stop; }
if header :contains "subject" "project-45" { fileinto "P45"; stop; }
if address :domain :is ["from", "sender"] "list46.example.org" { fileinto "L46"; stop; }
if header :matches "list-id" "*<list47.*>" { fileinto "M47"; stop; }
if header :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "148" { addflag "Junk"; }
if header :is "subject" "benchmark" { fileinto :flags "\\Seen" "Bench"; }
