"""Models on data in the window: options, CSV files, slices and the data view."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

import core

pytestmark = pytest.mark.gui




def test_a_model_trains_live_and_the_data_view_follows(qtbot, window):
    window.apply(problem="logistic", method="gd", steps=40)
    assert window.controller.problem.dim == 3
    assert window.controller.settings.lr == window.controller.problem.suggested_lr
    window.show_tab("data")
    window.controller.set_speed(0)
    window.controller.play()
    qtbot.waitUntil(lambda: window.controller.state == "finished", timeout=10000)
    qtbot.wait(50)
    assert window.data_view.shade.isVisible()
    xs, _ = window.data_view.boundary.getData()
    assert xs is not None and len(xs) == 2  # a straight decision boundary
    assert "Accuracy 100%" in window.data_view.summary.text()
    # The maps show a 2-D slice of the 3 parameters, with the path projected.
    assert window.landscape.problem.dim == 2 and window.landscape.problem.coords == ("θ1", "θ2")
    px, _ = window.landscape._racers[0].line.getData()
    assert len(px) > 10


def test_ascent_makes_a_wrong_classifier_whose_opposite_is_right(qtbot, window):
    window.apply(problem="logistic", method="gd", lr=1.0, steps=5, maximize=True)
    window.controller.set_speed(0)
    window.controller.play()
    qtbot.waitUntil(lambda: window.controller.state == "finished", timeout=10000)
    window.data_view.refresh()
    text = window.data_view.summary.text()
    assert "Accuracy 0%" in text and "opposite answer: <b>100%" in text


def test_the_data_view_shows_the_model_of_the_method_clicked(qtbot, window):
    """Racing several methods, the data view draws the model of the one clicked
    in the Method panel (first the first racer), and says whose it is."""
    window.apply(problem="mlp", method=["gd", "adam"], lr=0.1, steps=300,
                 options={"dataset": "xor", "loss": "mse", "seed": 0})
    window.show_tab("data")
    window.controller.set_speed(0)
    window.controller.play()
    qtbot.waitUntil(lambda: window.controller.state == "finished", timeout=20000)
    qtbot.wait(50)
    text = window.data_view.summary.text()
    assert "Model of <b>Gradient descent</b>" in text
    gd_boundary = window.data_view.boundary.getData()[0].copy()
    window.method_panel.tree.setCurrentItem(window.method_panel._items["adam"])
    text = window.data_view.summary.text()
    assert "Model of <b>Adam</b>" in text
    adam = next(r for r in window.controller.racers if r.method == "adam")
    accuracy = float(window.controller.problem.accuracy(adam.trace.last_x))
    assert f"Accuracy {accuracy:.0%}" in text and accuracy > 0.9  # Adam solves XOR
    assert not np.array_equal(window.data_view.boundary.getData()[0], gd_boundary)


def test_model_options_come_from_core(qtbot, window):
    window.apply(problem="logistic")
    combo = window.dataset_panel.findChild(object, "option_numerics")
    assert [combo.itemData(i) for i in range(combo.count())] == ["stable", "naive"]
    combo.setCurrentIndex(combo.findData("naive"))
    assert window.controller.problem.options["numerics"] == "naive"
    data = window.dataset_panel.findChild(object, "option_dataset")
    data.setCurrentIndex(data.findData("xor"))
    assert window.controller.problem.dataset.name == "xor"


def test_csv_files_load_and_bad_ones_keep_the_old_data(qtbot, window, tmp_path):
    window.apply(problem="logistic")
    good = tmp_path / "mine.csv"
    good.write_text("x1,x2,label\n0,0,a\n1,1,b\n0,1,a\n2,2,b\n", encoding="utf-8")
    assert window.dataset_panel.load_csv(str(good))
    assert window.controller.problem.dataset.name == "mine"
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0,0,a\n1,oops,b\n", encoding="utf-8")
    assert not window.dataset_panel.load_csv(str(bad))
    message = window.dataset_panel.csv_message
    assert message.isVisible() and "row 3" in message.text() and "x2" in message.text()
    assert window.controller.problem.dataset.name == "mine"  # nothing lost


def test_slices_of_the_mlp_follow_the_chosen_parameters(qtbot, window):
    window.apply(problem="mlp")
    panel = window.dataset_panel
    assert panel.slice_box.isVisible() and panel.slice_u.count() == 10  # 9 + random
    panel.slice_u.setCurrentIndex(6)  # w53
    assert window.landscape.problem.coords == ("w53", "w32")
    panel.slice_v.setCurrentIndex(panel.slice_v.findData("random"))
    assert window.landscape.problem.coords == ("direction 1", "direction 2")


def test_clicking_a_slice_sets_the_full_parameter_start(qtbot, window):
    window.apply(problem="logistic")
    before = window.controller.settings.start.copy()
    view = window.landscape
    scene = view.getViewBox().mapViewToScene(QPointF(2.0, -3.0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(scene))
    start = window.controller.settings.start
    assert start.shape == (3,)
    assert start[:2] == pytest.approx([2.0, -3.0], abs=0.15)
    assert start[2] == pytest.approx(before[2])  # the held parameter is unchanged


def test_the_fence_is_climbed(qtbot, window):
    window.apply(problem="fence", method="gd", lr=0.25, start=[57.0], steps=200)
    assert window.method_panel.maximize.isChecked()
    window.controller.set_speed(0)
    window.controller.play()
    qtbot.waitUntil(lambda: window.controller.state == "finished", timeout=10000)
    assert window.controller.racers[0].trace.last_x[0] == pytest.approx(50.0, abs=1e-3)


@pytest.mark.parametrize("name", ["curve_fit", "svm", "tea", "tea_rating", "mlp"])
def test_every_model_and_curve_draws_in_the_data_view(qtbot, window, name):
    window.apply(problem=name, method="gd", steps=30)
    window.show_tab("data")
    for _ in range(3):
        window.controller.step()
    window.data_view.refresh()
    image = window.data_view.plot.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 8
    assert np.isfinite(window.controller.racers[0].trace.last_x).all()
    assert core.PROBLEMS[name]
