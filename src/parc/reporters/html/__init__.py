"""The HTML report's parts: the inlined stylesheet and script (``assets``) and the SVG graph layout (``layout``)."""
