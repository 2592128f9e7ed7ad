import sys

from snasray.cli import main

sys.exit(main())
