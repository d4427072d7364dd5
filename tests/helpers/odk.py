"""What ODK Collect sends: a form's primary instance filled as Collect fills it."""

from __future__ import annotations

import copy
import uuid
from xml.etree import ElementTree as StdElementTree

from defusedxml import ElementTree

XF = "{http://www.w3.org/2002/xforms}"
HTML = "{http://www.w3.org/1999/xhtml}"
JR_TEMPLATE = "{http://openrosa.org/javarosa}template"


def filled_instance(
    xml: str,
    values: dict[str, str],
    children: list[dict[str, str]],
    instance_id: str | None = None,
    deprecated_id: str | None = None,
) -> bytes:
    """The form's primary instance filled as Collect fills it: the repeat's template dropped,
    one copy of the repeat a child, an instanceID (and for an edit, the deprecatedID)."""
    root = ElementTree.fromstring(xml.encode())
    data = next(iter(root.find(f"{HTML}head/{XF}model/{XF}instance")))
    for element in data.iter():
        element.tag = element.tag.replace(XF, "")
    template = next(e for e in data.findall("children") if e.get(JR_TEMPLATE) is not None)
    data.remove(template)
    for extra in data.findall("children"):
        data.remove(extra)
    for name, value in values.items():
        data.find(name).text = value
    position = list(data).index(data.find("location")) + 1
    for offset, child in enumerate(children):
        element = copy.deepcopy(template)
        element.attrib.clear()
        for name, value in child.items():
            element.find(name).text = value
        data.insert(position + offset, element)
    data.find("meta/instanceID").text = instance_id or f"uuid:{uuid.uuid4()}"
    if deprecated_id:  # Collect's edit of a sent form names the version it replaces
        StdElementTree.SubElement(data.find("meta"), "deprecatedID").text = deprecated_id
    return StdElementTree.tostring(data, encoding="utf-8")
