use serde_json::json;

use super::*;

#[test]
fn fragments_become_one_data_line_per_line() {
    let events = Events::new().fragments("<div id=\"a\">\n  x\n</div>");
    assert_eq!(
        events.as_text(),
        "event: datastar-merge-fragments\n\
         data: fragments <div id=\"a\">\n\
         data: fragments   x\n\
         data: fragments </div>\n\n"
    );
}

#[test]
fn selector_and_mode_come_before_the_fragments() {
    let events = Events::new().fragments_into("#rows", Merge::Append, "<tr id=\"r1\"></tr>");
    assert_eq!(
        events.as_text(),
        "event: datastar-merge-fragments\n\
         data: selector #rows\n\
         data: mergeMode append\n\
         data: fragments <tr id=\"r1\"></tr>\n\n"
    );
}

#[test]
fn signals_remove_and_redirect() {
    let events = Events::new()
        .signals(&json!({"error": "bad \"x\""}))
        .remove("#row-1")
        .redirect("/_/collections");
    assert_eq!(
        events.as_text(),
        "event: datastar-merge-signals\n\
         data: signals {\"error\":\"bad \\\"x\\\"\"}\n\n\
         event: datastar-remove-fragments\n\
         data: selector #row-1\n\n\
         event: datastar-execute-script\n\
         data: script window.location.assign(\"/_/collections\")\n\n"
    );
}

#[test]
fn signals_come_from_the_body_or_the_get_query() {
    assert_eq!(signals_from("", br#"{"q":"x"}"#)["q"], "x");
    assert_eq!(
        signals_from("datastar=%7B%22q%22%3A%22y%22%7D&other=1", b"")["q"],
        "y"
    );
    assert!(signals_from("", b"[1]").is_empty());
    assert!(signals_from("datastar=nope", b"").is_empty());
}

#[test]
fn conditional_merges_check_for_their_target_first() {
    let events = Events::new().fragments_if_present("#row-1", "<tr id=\"row-1\"></tr>");
    assert_eq!(
        events.as_text(),
        "event: datastar-execute-script\n\
         data: script if (document.querySelector(\"#row-1\")) document.dispatchEvent(new CustomEvent(\"datastar-sse\", {detail: {type: \"datastar-merge-fragments\", argsRaw: {\"selector\":\"#row-1\",\"fragments\":\"<tr id=\\\"row-1\\\"></tr>\"}}}))\n\n"
    );
}

#[test]
fn merges_can_be_skipped_when_the_element_is_there() {
    let events =
        Events::new().fragments_unless_present("#row-1", "#rows", Merge::Prepend, "<tr></tr>");
    assert_eq!(
        events.as_text(),
        "event: datastar-execute-script\n\
         data: script if (!document.querySelector(\"#row-1\")) document.dispatchEvent(new CustomEvent(\"datastar-sse\", {detail: {type: \"datastar-merge-fragments\", argsRaw: {\"selector\":\"#rows\",\"mergeMode\":\"prepend\",\"fragments\":\"<tr></tr>\"}}}))\n\n"
    );
}

#[test]
fn keepalive_is_an_sse_comment() {
    let events = Events::new().keepalive().extend(Events::new().remove("#x"));
    assert_eq!(
        events.as_text(),
        ": keepalive\n\nevent: datastar-remove-fragments\ndata: selector #x\n\n"
    );
}

#[test]
fn id_selectors_quote_unusual_ids() {
    assert_eq!(id_selector("row-abc_1"), "#row-abc_1");
    assert_eq!(id_selector("row-a.b"), "[id=\"row-a.b\"]");
    assert_eq!(id_selector("1x"), "[id=\"1x\"]");
    assert_eq!(id_selector("a\"b\\"), "[id=\"a\\\"b\\\\\"]");
}
