import sys

from heard_cli import main

sys.exit(main())
