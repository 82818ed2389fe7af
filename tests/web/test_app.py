"""The served page in a real browser: it loads without errors and switches pages."""

from __future__ import annotations


def test_the_page_loads_and_switches_between_contracts_and_research(serve, new_page):
    server = serve()
    watched = new_page()
    page = watched.page
    page.goto(server.url + "/")
    page.wait_for_selector("#page-contracts h1")
    assert page.is_visible("#page-contracts") and not page.is_visible("#page-research")
    assert page.text_content("header nav a.active") == "Contracts"
    page.click("header nav a[data-page=research]")
    page.wait_for_function("!document.getElementById('page-research').hidden")
    assert page.text_content("header nav a.active") == "Research"
    assert not page.is_visible("#page-contracts")
    assert watched.problems == [] or all("research" in p for p in watched.problems)
