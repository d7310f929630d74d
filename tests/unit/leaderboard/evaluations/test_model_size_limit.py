"""One parameter limit, MODEL_MAX_PARAMETERS, decides at upload and in the worker: a 2B-parameter model is
accepted by both under the default (8B) and refused by both under a 1B limit, with the setting named."""
import io
import json
import struct
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from leaderboard.evaluations.specs import build_spec
from leaderboard.submissions import services
from runners.errors import UserInputError

TWO_BILLION = 2 * 10**9
REFUSED = r"2,000,000,000 parameters, above the limit of 1,000,000,000 \(MODEL_MAX_PARAMETERS\)"


def big_model_archive() -> SimpleUploadedFile:
    """A dense model whose safetensors header declares 2B parameters (the size is read from the header alone,
    so the file stays small)."""
    header = json.dumps({"weight": {"dtype": "F32", "shape": [TWO_BILLION // 64, 64], "data_offsets": [0, 0]}})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("config.json", json.dumps({"architectures": ["BertModel"], "model_type": "bert",
                                               "hidden_size": 64}))
        zf.writestr("model.safetensors", struct.pack("<Q", len(header)) + header.encode())
        zf.writestr("vocab.txt", "[PAD]\n[UNK]\nhello\n")
    return SimpleUploadedFile("big.zip", buffer.getvalue())


def submit(user, name: str):
    return services.submit(user, name=name, family="dense", source="archive", datasets=["classic-ir/adi"],
                           model_archive=big_model_archive())


@pytest.mark.django_db
def test_a_2b_model_is_judged_by_one_setting_at_upload_and_in_the_worker(settings, tmp_path, django_user_model):
    settings.MODELS_DIR = tmp_path / "models"
    user = django_user_model.objects.create_user("big", password="x")
    assert settings.MODEL_MAX_PARAMETERS > TWO_BILLION  # the default
    submission = submit(user, "two billion")
    assert submission.n_parameters == TWO_BILLION
    assert build_spec(submission).n_parameters == TWO_BILLION  # the worker accepts what the upload accepted

    settings.MODEL_MAX_PARAMETERS = 10**9
    with pytest.raises(UserInputError, match=REFUSED):
        build_spec(submission)  # the worker refuses by the same setting
    with pytest.raises(ValidationError) as refused:
        submit(user, "two billion again")
    [message] = refused.value.message_dict["model_archive"]
    assert "big.zip: the model has 2,000,000,000 parameters" in message and "(MODEL_MAX_PARAMETERS)" in message
