"""What the chat keeps of a step's outputs: bounded, but a video or a map whole up to the image cap."""

from __future__ import annotations

from ci_jupyterlab.agent.bounds import IMAGE_LIMIT, TEXT_LIMIT, bounded_outputs


def html_output(html: str) -> dict:
    return {"output_type": "display_data", "data": {"text/html": html, "text/plain": "<display>"}, "metadata": {}}


def test_an_embedded_video_and_a_map_are_kept_whole_up_to_the_image_cap():
    video = f'<video controls><source src="data:video/mp4;base64,{"A" * 3 * TEXT_LIMIT}" type="video/mp4"></video>'
    folium = f'<div><iframe srcdoc="&lt;script&gt;{"x" * 2 * TEXT_LIMIT}&lt;/script&gt;"></iframe></div>'
    for html in (video, folium):
        [kept] = bounded_outputs([html_output(html)])
        assert kept["data"]["text/html"] == html


def test_plain_html_past_the_text_cap_and_media_past_the_image_cap_are_dropped():
    table = "<table>" + "<tr><td>1</td></tr>" * TEXT_LIMIT + "</table>"
    huge_video = f'<video src="data:video/mp4;base64,{"A" * (IMAGE_LIMIT + 1)}"></video>'
    for html in (table, huge_video):
        [kept] = bounded_outputs([html_output(html)])
        assert "text/html" not in kept["data"]
        assert "text/html output of" in kept["data"]["text/plain"] and "see the notebook" in kept["data"]["text/plain"]
