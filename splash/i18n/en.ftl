# English strings of antoan: the splash pages, the command line and error messages.

## Pages (templates use t.<id>, with "-" turned into "_")

page-brand = Information safety
page-switch-language = Tiếng Việt
page-privacy-link = Privacy
page-intro = Before you go online, please read a short notice and answer one question.
page-topic-label = Topic
page-question-label = Question
page-answers-legend = Choose one answer
page-answer-submit = Answer
page-needs-answer = You have not chosen an answer. Choose one, then press “Answer”.
page-learn-more = Learn more
page-feedback-right = Correct!
page-feedback-wrong = Not quite.
page-right-answer-label = The right answer:
page-online-heading = You are online
page-online-continue = Continue to the page you wanted
page-online-close = You can close this window and use the internet as usual.
page-error-back = Get a new question
page-privacy-heading = What antoan records about your device
page-back = Back
page-redirect-text = This network asks you to sign in. Taking you to the sign-in page…
page-redirect-link = Open the sign-in page
page-retry = Try again

page-audience-question = Who are you? (optional)
page-audience-hint = One tap helps the Youth Union know whom these notices reach. The answer is not linked to your device.
page-audience-thanks = Thank you!
audience-pupil = Pupil
audience-student = Student
audience-young-worker = Young worker
audience-youth-union = Youth Union member or cadre
audience-other = Other
audience-prefer-not = Prefer not to say

## Topics

topic-passwords = Passwords
topic-accounts = Account security
topic-phishing = Phishing
topic-scams = Online scams
topic-privacy = Personal data
topic-malware = Malware
topic-public-wifi = Public Wi-Fi and computers
topic-social-media = Social media
topic-updates = Software updates
topic-law = The law

## After an answer

feedback-right = Thank you for reading carefully. Stay safe online!
feedback-granted-anyway = No problem: what matters is that you now know the right answer. You are online anyway.
feedback-try-another = Please try another question. { $left ->
        [1] If your next answer is not right either, you will be let online anyway.
       *[other] If { $left } more answers are not right, you will be let online anyway.
    }
online-until = You can use the internet for { $minutes } minutes, until { $time } on { $date } (UTC{ $offset }).

## Errors shown on pages

error-token-malformed-title = The answer could not be read
error-token-malformed = The form was incomplete or damaged. Please get a new question and answer again.
error-token-forged-title = Invalid question
error-token-forged = This question was not issued by this network. Please get a new question.
error-token-other-device-title = Question for another device
error-token-other-device = This question was issued to another device. Please get a new question on your own device.
error-token-expired-title = The question has expired
error-token-expired = This question is too old. Please get a new question and answer again.
error-token-replayed-title = Already answered
error-token-replayed = This question has already been answered. Please get a new question.
error-form-too-large-title = Form too large
error-form-too-large = The form sent was larger than allowed. Please get a new question and answer again.
error-firewall-title = Not connected yet
error-firewall = Your answer was recorded, but the network could not open your connection yet. Please wait a few seconds and try again; if it still fails, tell the staff.
error-no-notice-title = No content yet
error-no-notice = This portal has no notice to show yet. Please tell the staff.
error-blocked-title = Device blocked
error-blocked = The network's owner has blocked this device. If you think this is a mistake, tell the staff.

## Privacy page

privacy-1 = antoan does not read what you browse, does not record your name, phone number or any account, and uses no cookies.
privacy-2 = To recognise a device, antoan computes a keyed hash of its MAC address (or of its IP address when the MAC is unknown). The hash cannot be turned back into the address, and the key never leaves this gateway.
privacy-3 = Under that hash, antoan records which notices you have seen and when, so that next time you see a different one. These records are deleted { $history_days } days after your last view.
privacy-4 = While you are online, your device's IP and MAC addresses are kept for the session (at most { $session_minutes } minutes) because the firewall needs them to let you through; they are deleted when the session ends.
privacy-5 = Each question shown carries a one-time code that expires after { $question_minutes } minutes; antoan keeps the code only until then, so that nobody can use it twice.
privacy-6 = The figures sent to coordinators are counts only (views, answers, grants) by notice and topic, never an address, a device name or the pages you visit.

privacy-7 = To count the devices reached for the half-yearly and yearly reports, antoan records the days on which a device (by its hash) was shown a notice, and daily totals of views and answers; these records are kept for { $reach_days } days, then deleted.

## Command line

cli-demo-ready =
    antoan demo is running with the built-in content and a firewall that only logs.
      Open the splash:  { $portal }
      Metrics:          { $metrics }
    Press Ctrl-C to stop.
cli-run-ready =
    antoan is running.
      Portal:   { $portal }
      Metrics:  { $metrics }
cli-stopped = antoan stopped.
cli-demo-tempdir = Cannot create a temporary folder for the demo: { $error }
cli-runtime = Cannot start the async runtime: { $error }
cli-start-secret = Cannot use the secret key file: { $error }
cli-start-store = Cannot open the state database: { $error }
cli-start-firewall = Cannot set up the firewall: { $error }
    Check that the nftables package is installed, that antoan runs as root (or with CAP_NET_ADMIN), and that the interfaces in firewall.lan_interfaces exist.
cli-start-tls = Cannot use the HTTPS listener's TLS certificate: { $error }
cli-start-bind = Cannot listen on { $error }. Check whether another program uses this port, or choose another address.
cli-start-control = Cannot create the control socket { $error }. Check write access to its folder (state.control_socket).
cli-clients-connect = Cannot reach antoan at { $socket }: { $error }
    Check that antoan is running and that you run this command as root.
cli-clients-none = No device is online.
cli-clients-header = MAC                IP                                       LEFT     UNTIL            REASON
cli-clients-allowed = The device is online until { $until }.
cli-clients-revoked = The device is cut off.
cli-clients-not-found = No online device has this address.
cli-clients-error-invalid-request = antoan did not understand the request: { $detail }
cli-clients-error-invalid-mac = Address “{ $detail }” is invalid. Write a MAC address such as 02:00:5e:10:00:01 (or an IP address to revoke).
cli-clients-error-invalid-duration = A length of { $detail } seconds is outside the allowed range (1 second to 366 days).
cli-clients-error-firewall = The firewall could not apply the change: { $detail }
cli-clients-error-store = Cannot read the state database: { $detail }
report-title = Report of site { $site } ({ $province }), from { $first } to { $last }
report-devices = Devices reached: { $count }
report-none = No data in this period yet.
report-topic = Topic
report-views = Views
report-answers = Answers
report-right = Right
report-first-try = Right first time
report-invalid-period = Reporting period “{ $value }” is invalid. Use 2026-H1, 2026-H2, 2026 or 2026-01-01..2026-03-31.
report-store = Cannot read the state database: { $error }
report-no-database = There is no state database at { $path }, so there is nothing to report yet.
    Check state.dir in the configuration file, or run this command where antoan runs.
reason-right-answer = right answer
reason-after-wrong-answers = after wrong answers
reason-operator = allowed by staff
cli-check-ok = Configuration, templates and { $notices } notices are valid.
cli-problems = Found { $count } problem(s). Fix them and run “antoan check” again.

## Checks (each problem has a .fix: what to do)

check-folder-unreadable = Cannot read the folder: { $error }
    .fix = Check the splash_dir path and the folder's read permission.
check-file-unreadable = Cannot read the file: { $error }
    .fix = Check the file's read permission.
check-not-utf8 = The file is not UTF-8 text.
    .fix = Save the file again in UTF-8.
check-notice-toml = The notice file is not valid TOML or has the wrong structure: { $error }
    .fix = Fix the line shown; the format is described in docs/notices.md.
check-notice-id-invalid = Notice id “{ $id }” is invalid.
    .fix = Use 3 to 48 characters: lowercase ASCII letters, digits and “-”.
check-notice-id-duplicate = Notice id “{ $id }” is already used in { $other }.
    .fix = Give each notice its own id.
check-notice-topic-unknown = Topic “{ $topic }” is not in the list.
    .fix = Use one of the topics: { $topics }.
check-notice-missing-language = Field “{ $field }” has no “{ $lang }” text, or it is empty.
    .fix = Add a line { $lang } = "..." to this field; every notice needs both Vietnamese (vi) and English (en).
check-notice-too-long = Field “{ $field }” ({ $lang }) has { $length } characters, over the limit of { $max }.
    .fix = Shorten it so that it can be read in about 30 seconds on a phone.
check-notice-not-nfc = Field “{ $field }” ({ $lang }) is not in Unicode NFC (the Vietnamese diacritics were typed as separate marks).
    .fix = Convert the file to precomposed Unicode (NFC), for example with: uconv -x any-nfc.
check-notice-answer-count = The notice has { $count } answers; it needs 2 to 4.
    .fix = Add or remove [[answers]] entries.
check-notice-right-count = The notice has { $count } answers marked right; it needs exactly one.
    .fix = Set right = true on exactly one [[answers]] entry.
check-notice-dates = Start date { $starts } is after end date { $ends }.
    .fix = Change starts or ends so that starts is not later than ends.
check-notice-date-invalid = “{ $field }” must be a date without a time.
    .fix = Write it as { $field } = 2026-01-31.
check-notice-weight = Weight { $weight } is outside 1 to 100.
    .fix = Choose a whole number from 1 to 100.
check-notice-image-missing = Image “{ $image }” was not found in the assets folder.
    .fix = Copy the image into the assets folder or remove the image line.
check-notice-image-large = Image “{ $image }” is { $size } bytes, over the limit of { $max } bytes.
    .fix = Compress the image so that the page loads fast on slow links.
check-notice-link = Link “{ $link }” is invalid; only https:// is accepted.
    .fix = Use a full https:// address or remove the link line.
check-notices-none = There are no notice files.
    .fix = Add at least one .toml file to the notices folder.
check-template = A page template has an error: { $error }
    .fix = Fix the template as the message says; the originals are in splash/templates.
check-template-missing = Page template { $name } is missing.
    .fix = Copy { $name } from antoan's splash/templates into the templates folder.
check-config-unreadable = Cannot read the configuration file: { $error }
    .fix = Check the path given to --config and the file's read permission.
check-config-toml = The configuration file is not valid TOML: { $error }
    .fix = Fix the line shown; see the example in config/antoan.toml.
check-config-value = The value of { $key } is invalid: { $error }
    .fix = See the type and default of this key in config/antoan.toml.
check-config-unknown-key = Unknown key “{ $key }”.{ $suggestion ->
        [none] {""}
       *[other] {" "}Did you mean “{ $suggestion }”?
    }
    .fix = See the list of valid keys in antoan's example configuration (config/antoan.toml).
check-config-site-id = { $key } = “{ $value }” is invalid.
    .fix = Use 1 to 64 characters: lowercase ASCII letters, digits and “-”, such as "cafe-hoa-binh".
check-config-timezone = Time zone “{ $value }” ({ $key }) does not exist.
    .fix = Use an IANA time zone name such as "Asia/Ho_Chi_Minh".
check-config-language = Language “{ $value }” ({ $key }) is not supported.
    .fix = Use "vi" or "en".
check-config-zero = { $key } must be greater than 0.
    .fix = Set a positive value, or remove the line to use the default.
check-config-url-needed = The portal listens on every address ({ $listen }), so antoan does not know where to send devices.
    .fix = Add portal.url with the gateway's LAN address, such as url = "http://192.168.1.1:8080/".
check-config-url = { $key } = “{ $value }” is invalid.
    .fix = Use an http:// or https:// address with only a host and port, such as "http://192.168.1.1:8080/".
check-config-https-needs = The HTTPS listener is on (portal.https_listen) but { $key } is missing.
    .fix = Add portal.https_url, portal.tls_certificate and portal.tls_key, or remove portal.https_listen.
check-config-https-url = { $key } = “{ $value }” is invalid.
    .fix = Use an https:// address with the DNS name the certificate is for, such as "https://portal.example.vn".
check-config-tls = The TLS certificate cannot be used: { $error }
    .fix = Check portal.tls_certificate (a PEM certificate chain) and portal.tls_key (the PEM private key that matches it).
check-config-province = Province code “{ $value }” ({ $key }) is invalid.
    .fix = Use Vietnam's ISO 3166-2 code, such as "VN-HN" (Hanoi) or "VN-SG" (Ho Chi Minh City).
check-config-auth-both = Use one way to authenticate: a bearer token ({ $key }) or a user name and password.
    .fix = Remove one of the two.
check-config-auth-password = A user name ({ $key }) is set without a password.
    .fix = Add the password key of the same section.
check-config-tls-pair = { $key } needs the other half of the pair (tls_certificate and tls_key).
    .fix = Set both tls_certificate and tls_key in [admin], or neither.
check-config-address = IP address “{ $value }” ({ $key }) is invalid.
    .fix = Write an IPv4 or IPv6 address, such as "203.0.113.5".
check-config-backend = Firewall backend “{ $value }” ({ $key }) is not supported.
    .fix = Use "nftables" on a real gateway, or "log" to try antoan out.
check-config-table = Table name “{ $value }” ({ $key }) is invalid.
    .fix = Use 1 to 32 characters: ASCII letters, digits, “_” and “-”, starting with a letter.
check-config-interface = Interface name “{ $value }” ({ $key }) is invalid.
    .fix = Use the name shown by “ip link”, at most 15 characters, such as "br-lan".
check-config-interfaces-needed = The nftables firewall needs to know which LAN interfaces to hold back.
    .fix = Add firewall.lan_interfaces, such as lan_interfaces = ["br-lan"].
check-config-prefix = Prefix “{ $value }” ({ $key }) is invalid: { $error }
    .fix = Write it as "198.51.100.0/24" or "2001:db8::/32".
check-config-mac = MAC address “{ $value }” ({ $key }) is invalid.
    .fix = Write six hexadecimal pairs, such as "02:00:5e:10:00:01".
