"""Public views: parse, call a selector or service, present."""

from __future__ import annotations

from django.shortcuts import render


def gallery(request):
    return render(request, "gallery/gallery.html", {"faces": []})
