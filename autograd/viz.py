"""placeholder"""
def draw_graph(*a, **k):
    raise RuntimeError("viz pending")
