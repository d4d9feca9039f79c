# Danh mục chuỗi tiếng Việt của antoan: trang chào, dòng lệnh và thông báo lỗi.

## Trang (mẫu dùng t.<id>, với "-" đổi thành "_")

page-brand = An toàn thông tin
page-switch-language = English
page-privacy-link = Quyền riêng tư
page-intro = Trước khi vào mạng, mời bạn đọc một lưu ý ngắn và trả lời một câu hỏi.
page-topic-label = Chủ đề
page-question-label = Câu hỏi
page-answers-legend = Chọn một câu trả lời
page-answer-submit = Trả lời
page-needs-answer = Bạn chưa chọn câu trả lời nào. Hãy chọn một câu rồi bấm “Trả lời”.
page-learn-more = Tìm hiểu thêm
page-feedback-right = Chính xác!
page-feedback-wrong = Chưa đúng.
page-right-answer-label = Đáp án đúng:
page-online-heading = Bạn đã được kết nối internet
page-online-continue = Tiếp tục tới trang bạn định mở
page-online-close = Bạn có thể đóng cửa sổ này và dùng mạng bình thường.
page-error-back = Nhận câu hỏi mới
page-privacy-heading = Những gì antoan ghi lại về thiết bị của bạn
page-back = Quay lại
page-redirect-text = Mạng này yêu cầu đăng nhập. Đang chuyển bạn tới trang đăng nhập…
page-redirect-link = Mở trang đăng nhập
page-retry = Thử lại

page-audience-question = Bạn là ai? (không bắt buộc)
page-audience-hint = Một lần bấm giúp Đoàn biết lưu ý này đến với ai. Câu trả lời không gắn với thiết bị của bạn.
page-audience-thanks = Cảm ơn bạn!
audience-pupil = Học sinh
audience-student = Sinh viên
audience-young-worker = Thanh niên đang đi làm
audience-youth-union = Đoàn viên hoặc cán bộ Đoàn
audience-other = Khác
audience-prefer-not = Không muốn trả lời

## Chủ đề

topic-passwords = Mật khẩu
topic-accounts = Bảo vệ tài khoản
topic-phishing = Thư và đường link giả mạo
topic-scams = Lừa đảo trực tuyến
topic-privacy = Thông tin cá nhân
topic-malware = Mã độc
topic-public-wifi = Wi-Fi và máy tính công cộng
topic-social-media = Mạng xã hội
topic-updates = Cập nhật phần mềm
topic-law = Pháp luật

## Sau khi trả lời

feedback-right = Cảm ơn bạn đã đọc kỹ. Chúc bạn lướt mạng an toàn!
feedback-granted-anyway = Không sao, điều quan trọng là bạn đã biết đáp án đúng. Bạn vẫn được vào mạng.
feedback-try-another = Mời bạn thử một câu hỏi khác. { $left ->
        [1] Nếu lần trả lời tới vẫn chưa đúng, bạn vẫn sẽ được vào mạng.
       *[other] Nếu còn trả lời chưa đúng { $left } lần nữa, bạn vẫn sẽ được vào mạng.
    }
online-until = Bạn được dùng internet trong { $minutes } phút, đến { $time } ngày { $date } (UTC{ $offset }).

## Lỗi hiển thị trên trang

error-token-malformed-title = Không đọc được câu trả lời
error-token-malformed = Biểu mẫu gửi lên thiếu thông tin hoặc bị hỏng. Hãy nhận câu hỏi mới và trả lời lại.
error-token-forged-title = Câu hỏi không hợp lệ
error-token-forged = Câu hỏi này không phải do mạng này đưa ra. Hãy nhận câu hỏi mới.
error-token-other-device-title = Câu hỏi của thiết bị khác
error-token-other-device = Câu hỏi này được đưa ra cho một thiết bị khác. Hãy nhận câu hỏi mới trên thiết bị của bạn.
error-token-expired-title = Câu hỏi đã hết hạn
error-token-expired = Câu hỏi này đã hết thời gian trả lời. Hãy nhận câu hỏi mới và trả lời lại.
error-token-replayed-title = Câu hỏi đã được trả lời
error-token-replayed = Câu hỏi này đã được trả lời rồi. Hãy nhận câu hỏi mới.
error-form-too-large-title = Biểu mẫu quá lớn
error-form-too-large = Dữ liệu gửi lên lớn hơn mức cho phép. Hãy nhận câu hỏi mới và trả lời lại.
error-firewall-title = Chưa mở được kết nối
error-firewall = Câu trả lời của bạn đã được ghi nhận nhưng mạng chưa mở được kết nối. Hãy đợi vài giây rồi thử lại; nếu vẫn không được, hãy báo chủ quán.
error-no-notice-title = Chưa có nội dung
error-no-notice = Trang này chưa có lưu ý nào để hiển thị. Hãy báo chủ quán.
error-blocked-title = Thiết bị bị chặn
error-blocked = Chủ mạng đã chặn thiết bị này. Nếu bạn nghĩ đây là nhầm lẫn, hãy báo chủ quán.

## Trang quyền riêng tư

privacy-1 = antoan không đọc nội dung bạn truy cập, không ghi tên, số điện thoại hay tài khoản nào của bạn, và không dùng cookie.
privacy-2 = Để nhận ra thiết bị, antoan tính một mã băm có khoá từ địa chỉ MAC (hoặc địa chỉ IP nếu không biết MAC). Mã này không thể đảo ngược thành địa chỉ, và khoá không bao giờ rời khỏi thiết bị phát mạng này.
privacy-3 = Với mã đó, antoan ghi lại những lưu ý bạn đã xem và thời điểm xem, để lần sau cho bạn xem lưu ý khác. Các bản ghi này được xoá sau { $history_days } ngày kể từ lần xem cuối.
privacy-4 = Khi bạn được vào mạng, địa chỉ IP và MAC của thiết bị được giữ trong suốt phiên (tối đa { $session_minutes } phút) vì tường lửa cần chúng để cho bạn qua, rồi được xoá khi phiên kết thúc.
privacy-5 = Mỗi câu hỏi hiển thị có một mã dùng một lần, hết hạn sau { $question_minutes } phút; antoan chỉ giữ mã đó đến khi hết hạn để không ai dùng lại được.
privacy-6 = Các số liệu gửi cho Đoàn Thanh niên (đơn vị điều phối) chỉ là số đếm (lượt xem, lượt trả lời, lượt vào mạng) theo lưu ý và chủ đề, không bao giờ có địa chỉ, tên máy hay trang bạn truy cập.

privacy-7 = Để đếm số thiết bị được tiếp cận cho báo cáo sáu tháng và hằng năm, antoan ghi lại những ngày thiết bị (theo mã băm) được xem lưu ý, cùng tổng số lượt xem và trả lời theo ngày; các bản ghi này được giữ { $reach_days } ngày rồi xoá.

## Dòng lệnh

cli-demo-ready =
    antoan demo đang chạy với nội dung có sẵn và tường lửa chỉ ghi nhật ký.
      Mở trang chào:  { $portal }
      Số liệu:        { $metrics }
    Bấm Ctrl-C để dừng.
cli-run-ready =
    antoan đang chạy.
      Trang đăng nhập: { $portal }
      Số liệu:        { $metrics }
cli-stopped = antoan đã dừng.
cli-demo-tempdir = Không tạo được thư mục tạm cho bản demo: { $error }
cli-runtime = Không khởi động được bộ chạy bất đồng bộ: { $error }
cli-start-secret = Không dùng được tệp khoá bí mật: { $error }
cli-start-store = Không mở được cơ sở dữ liệu trạng thái: { $error }
cli-start-firewall = Không thiết lập được tường lửa: { $error }
    Hãy kiểm tra xem đã cài gói nftables chưa, antoan có chạy với quyền root (hoặc CAP_NET_ADMIN) không, và các giao diện trong firewall.lan_interfaces có tồn tại không.
cli-start-tls = Không dùng được chứng chỉ TLS của cổng HTTPS: { $error }
cli-start-bind = Không lắng nghe được trên { $error }. Hãy kiểm tra xem có chương trình khác đang dùng cổng này không, hoặc chọn địa chỉ khác.
cli-start-control = Không tạo được socket điều khiển { $error }. Hãy kiểm tra quyền ghi vào thư mục chứa nó (state.control_socket).
cli-clients-connect = Không kết nối được tới antoan qua { $socket }: { $error }
    Hãy kiểm tra antoan đang chạy và bạn chạy lệnh này với quyền root.
cli-clients-none = Không có thiết bị nào đang dùng mạng.
cli-clients-header = MAC                IP                                       CÒN LẠI  HẾT LÚC          LÝ DO
cli-clients-allowed = Đã cho thiết bị vào mạng đến { $until }.
cli-clients-revoked = Đã ngắt mạng của thiết bị.
cli-clients-not-found = Không có thiết bị nào đang dùng mạng với địa chỉ này.
cli-clients-error-invalid-request = antoan không hiểu yêu cầu: { $detail }
cli-clients-error-invalid-mac = Địa chỉ “{ $detail }” không hợp lệ. Hãy viết địa chỉ MAC như 02:00:5e:10:00:01 (hoặc địa chỉ IP khi ngắt mạng).
cli-clients-error-invalid-duration = Thời lượng { $detail } giây nằm ngoài khoảng cho phép (1 giây đến 366 ngày).
cli-clients-error-firewall = Tường lửa không áp dụng được thay đổi: { $detail }
cli-clients-error-store = Không đọc được cơ sở dữ liệu trạng thái: { $detail }
report-title = Báo cáo của điểm { $site } ({ $province }), từ { $first } đến { $last }
report-devices = Số thiết bị được tiếp cận: { $count }
report-none = Chưa có dữ liệu nào trong kỳ này.
report-topic = Chủ đề
report-views = Lượt xem
report-answers = Lượt trả lời
report-right = Trả lời đúng
report-first-try = Đúng ngay lần đầu
report-invalid-period = Kỳ báo cáo “{ $value }” không hợp lệ. Hãy dùng dạng 2026-H1, 2026-H2, 2026 hoặc 2026-01-01..2026-03-31.
report-store = Không đọc được cơ sở dữ liệu trạng thái: { $error }
report-no-database = Không có cơ sở dữ liệu trạng thái ở { $path }, nên chưa có gì để báo cáo.
    Hãy kiểm tra state.dir trong tệp cấu hình, hoặc chạy lệnh này trên máy có antoan đang chạy.
reason-right-answer = trả lời đúng
reason-after-wrong-answers = sau khi trả lời sai
reason-operator = chủ quán cho phép
cli-check-ok = Cấu hình, mẫu trang và { $notices } lưu ý đều hợp lệ.
cli-problems = Tìm thấy { $count } lỗi. Hãy sửa rồi chạy lại “antoan check”.

## Kiểm tra (mỗi lỗi có .fix: cách sửa)

check-folder-unreadable = Không đọc được thư mục: { $error }
    .fix = Kiểm tra đường dẫn splash_dir và quyền đọc thư mục.
check-file-unreadable = Không đọc được tệp: { $error }
    .fix = Kiểm tra quyền đọc tệp.
check-not-utf8 = Tệp không phải văn bản UTF-8.
    .fix = Lưu lại tệp với mã hoá UTF-8.
check-notice-toml = Tệp lưu ý không đúng cú pháp TOML hoặc sai cấu trúc: { $error }
    .fix = Sửa dòng được chỉ ra; xem định dạng trong docs/notices.md.
check-notice-id-invalid = Mã lưu ý “{ $id }” không hợp lệ.
    .fix = Dùng 3 đến 48 ký tự gồm chữ thường không dấu, chữ số và dấu “-”.
check-notice-id-duplicate = Mã lưu ý “{ $id }” đã dùng trong { $other }.
    .fix = Đặt cho mỗi lưu ý một mã riêng.
check-notice-topic-unknown = Chủ đề “{ $topic }” không có trong danh sách.
    .fix = Dùng một trong các chủ đề: { $topics }.
check-notice-missing-language = Mục “{ $field }” thiếu bản ngôn ngữ “{ $lang }” hoặc để trống.
    .fix = Thêm dòng { $lang } = "..." vào mục này; mỗi lưu ý cần cả tiếng Việt (vi) và tiếng Anh (en).
check-notice-too-long = Mục “{ $field }” ({ $lang }) dài { $length } ký tự, vượt giới hạn { $max }.
    .fix = Rút gọn để người đọc xong trong khoảng 30 giây trên điện thoại.
check-notice-not-nfc = Mục “{ $field }” ({ $lang }) không ở dạng Unicode NFC (dấu tiếng Việt được gõ tách rời).
    .fix = Chuyển tệp sang Unicode dựng sẵn (NFC), ví dụ bằng: uconv -x any-nfc.
check-notice-answer-count = Lưu ý có { $count } câu trả lời; cần từ 2 đến 4.
    .fix = Thêm hoặc bớt các mục [[answers]].
check-notice-right-count = Lưu ý có { $count } câu trả lời được đánh dấu đúng; cần đúng một.
    .fix = Đặt right = true cho đúng một mục [[answers]].
check-notice-dates = Ngày bắt đầu { $starts } sau ngày kết thúc { $ends }.
    .fix = Sửa starts hoặc ends để starts không muộn hơn ends.
check-notice-date-invalid = Giá trị “{ $field }” phải là một ngày, không kèm giờ.
    .fix = Viết theo dạng { $field } = 2026-01-31.
check-notice-weight = Trọng số { $weight } nằm ngoài khoảng 1 đến 100.
    .fix = Chọn một số nguyên từ 1 đến 100.
check-notice-image-missing = Không tìm thấy ảnh “{ $image }” trong thư mục assets.
    .fix = Chép ảnh vào thư mục assets hoặc bỏ dòng image.
check-notice-image-large = Ảnh “{ $image }” nặng { $size } byte, vượt giới hạn { $max } byte.
    .fix = Nén ảnh nhỏ hơn để trang tải nhanh trên mạng chậm.
check-notice-link = Đường link “{ $link }” không hợp lệ; chỉ chấp nhận https://.
    .fix = Dùng một địa chỉ https:// đầy đủ hoặc bỏ dòng link.
check-notices-none = Không có tệp lưu ý nào.
    .fix = Thêm ít nhất một tệp .toml vào thư mục notices.
check-template = Mẫu trang có lỗi: { $error }
    .fix = Sửa mẫu theo thông báo trên; mẫu gốc nằm trong splash/templates.
check-template-missing = Thiếu mẫu trang { $name }.
    .fix = Chép { $name } từ splash/templates của antoan vào thư mục templates.
check-config-unreadable = Không đọc được tệp cấu hình: { $error }
    .fix = Kiểm tra đường dẫn sau --config và quyền đọc tệp.
check-config-toml = Tệp cấu hình không đúng cú pháp TOML: { $error }
    .fix = Sửa dòng được chỉ ra; xem mẫu trong config/antoan.toml.
check-config-value = Giá trị của { $key } không hợp lệ: { $error }
    .fix = Xem kiểu và giá trị mặc định của khoá này trong config/antoan.toml.
check-config-unknown-key = Thiết lập “{ $key }” không tồn tại.{ $suggestion ->
        [none] {""}
       *[other] {" "}Có phải bạn muốn viết “{ $suggestion }”?
    }
    .fix = Xem danh sách thiết lập hợp lệ trong tệp cấu hình mẫu của antoan (config/antoan.toml).
check-config-site-id = Giá trị { $key } = “{ $value }” không hợp lệ.
    .fix = Dùng 1 đến 64 ký tự gồm chữ thường không dấu, chữ số và dấu “-”, ví dụ "quan-net-hoa-binh".
check-config-timezone = Múi giờ “{ $value }” ({ $key }) không tồn tại.
    .fix = Dùng tên múi giờ IANA, ví dụ "Asia/Ho_Chi_Minh".
check-config-language = Ngôn ngữ “{ $value }” ({ $key }) không được hỗ trợ.
    .fix = Dùng "vi" hoặc "en".
check-config-zero = Giá trị { $key } phải lớn hơn 0.
    .fix = Đặt một giá trị dương, hoặc bỏ dòng này để dùng mặc định.
check-config-url-needed = antoan nghe trên mọi địa chỉ ({ $listen }) nên không biết đưa thiết bị tới đâu.
    .fix = Thêm portal.url với địa chỉ LAN của gateway, ví dụ url = "http://192.168.1.1:8080/".
check-config-url = Giá trị { $key } = “{ $value }” không hợp lệ.
    .fix = Dùng một địa chỉ http:// hoặc https:// chỉ gồm máy chủ và cổng, ví dụ "http://192.168.1.1:8080/".
check-config-https-needs = Đã bật cổng HTTPS (portal.https_listen) nhưng thiếu { $key }.
    .fix = Thêm portal.https_url, portal.tls_certificate và portal.tls_key, hoặc bỏ portal.https_listen.
check-config-https-url = Giá trị { $key } = “{ $value }” không hợp lệ.
    .fix = Dùng địa chỉ https:// với tên miền mà chứng chỉ cấp cho, ví dụ "https://portal.quan-net.vn".
check-config-tls = Không dùng được chứng chỉ TLS: { $error }
    .fix = Kiểm tra portal.tls_certificate (chuỗi chứng chỉ PEM) và portal.tls_key (khoá riêng PEM khớp với chứng chỉ).
check-config-province = Mã tỉnh “{ $value }” ({ $key }) không hợp lệ.
    .fix = Dùng mã ISO 3166-2 của Việt Nam, ví dụ "VN-HN" (Hà Nội) hoặc "VN-SG" (TP. Hồ Chí Minh).
check-config-auth-both = Chỉ dùng một cách xác thực: hoặc mã truy cập (bearer token, { $key }), hoặc tên đăng nhập và mật khẩu.
    .fix = Bỏ một trong hai.
check-config-auth-password = Có tên đăng nhập ({ $key }) nhưng thiếu mật khẩu.
    .fix = Thêm mật khẩu ở khoá tương ứng trong cùng mục.
check-config-tls-pair = { $key } cần đi cùng khoá còn lại của cặp chứng chỉ (tls_certificate và tls_key).
    .fix = Đặt cả tls_certificate lẫn tls_key trong mục [admin], hoặc bỏ cả hai.
check-config-address = Địa chỉ IP “{ $value }” ({ $key }) không hợp lệ.
    .fix = Viết một địa chỉ IPv4 hoặc IPv6, ví dụ "203.0.113.5".
check-config-backend = Tường lửa “{ $value }” ({ $key }) không được hỗ trợ.
    .fix = Dùng "nftables" trên gateway thật, hoặc "log" để thử.
check-config-table = Tên bảng “{ $value }” ({ $key }) không hợp lệ.
    .fix = Dùng 1 đến 32 ký tự gồm chữ cái không dấu, chữ số, “_” và “-”, bắt đầu bằng chữ cái.
check-config-interface = Tên giao diện mạng “{ $value }” ({ $key }) không hợp lệ.
    .fix = Dùng tên giao diện như trong lệnh “ip link”, tối đa 15 ký tự, ví dụ "br-lan".
check-config-interfaces-needed = Tường lửa nftables cần biết giao diện LAN nào có thiết bị phải giữ lại.
    .fix = Thêm firewall.lan_interfaces, ví dụ lan_interfaces = ["br-lan"].
check-config-prefix = Dải địa chỉ “{ $value }” ({ $key }) không hợp lệ: { $error }
    .fix = Viết theo dạng "198.51.100.0/24" hoặc "2001:db8::/32".
check-config-mac = Địa chỉ MAC “{ $value }” ({ $key }) không hợp lệ.
    .fix = Viết sáu cặp số thập lục phân, ví dụ "02:00:5e:10:00:01".
