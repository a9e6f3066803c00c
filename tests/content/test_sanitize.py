from portal.sanitize import clean_html


def test_scripts_handlers_and_javascript_urls_are_removed() -> None:
    cleaned = clean_html(
        '<p onclick="steal()">Hi <a href="javascript:alert(1)">x</a>'
        '<script>bad()</script><img src=x onerror=alert(1)><a href="https://acme.example">ok</a></p>'
    )
    assert "onclick" not in cleaned
    assert "javascript:" not in cleaned
    assert "<script" not in cleaned
    assert "<img" not in cleaned
    assert '<a href="https://acme.example" rel="nofollow">ok</a>' in cleaned


def test_plain_text_becomes_paragraphs_and_is_escaped() -> None:
    assert clean_html("One\ntwo\n\nThree & four") == "<p>One<br>two</p><p>Three &amp; four</p>"
    assert clean_html("   ") == ""


def test_allowed_formatting_stays() -> None:
    html = "<h2>Why</h2><ul><li><strong>Fast</strong></li><li><em>Safe</em></li></ul>"
    assert clean_html(html) == html
