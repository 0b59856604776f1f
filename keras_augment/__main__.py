import sys

from keras_augment.cli import main

sys.exit(main())
