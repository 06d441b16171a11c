"""`keras.callbacks` (tf.keras 2): hooks that fit/evaluate/predict call as they run.

Example:
    >>> from ember import keras
    >>> import ember.keras.callbacks as callbacks
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> cbs = callbacks.CallbackList([callbacks.EarlyStopping(monitor="loss")],
    ...                              add_history=True, model=model,
    ...                              verbose=0, epochs=3, steps=1)
    >>> cbs.on_train_begin()
    >>> for epoch, loss in enumerate([0.5, 0.6]):
    ...     cbs.on_epoch_begin(epoch); cbs.on_epoch_end(epoch, {"loss": loss})
    >>> cbs.on_train_end()
    >>> model.stop_training, model.history.history
    (True, {'loss': [0.5, 0.6]})
"""

from .base import Callback, History
from .callback_list import CallbackList
from .checkpoint import ModelCheckpoint
from .backup import BackupAndRestore
from .loggers import CSVLogger, LambdaCallback, RemoteMonitor, TerminateOnNaN
from .tensorboard import TensorBoard
from .monitors import EarlyStopping, LearningRateScheduler, ReduceLROnPlateau
from .progbar_logger import ProgbarLogger

__all__ = ["BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping",
           "History", "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint",
           "ProgbarLogger", "ReduceLROnPlateau", "RemoteMonitor", "TensorBoard",
           "TerminateOnNaN"]
