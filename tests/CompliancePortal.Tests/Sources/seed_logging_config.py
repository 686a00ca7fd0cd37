# The seed's logging configuration, verbatim (logging-audit-trail-spec.md, "Configuration"):
# the portal must take what it writes as it is (issue 17).
# File: src/common/logging_config.py

import structlog
import logging.config

def configure_logging(log_level='INFO', log_file='logs/trading.log'):
    """Configure structured logging for the application"""
    
    # Shared processors
    shared_processors = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    
    # Configure structlog
    structlog.configure(
        processors=shared_processors + [
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        context_class=dict,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    
    # Configure standard logging
    logging.config.dictConfig({
        'version': 1,
        'disable_existing_loggers': False,
        'formatters': {
            'json': {
                '()': structlog.stdlib.ProcessorFormatter,
                'processor': structlog.processors.JSONRenderer(),
                'foreign_pre_chain': shared_processors,
            },
        },
        'handlers': {
            'console': {
                'class': 'logging.StreamHandler',
                'formatter': 'json',
            },
            'file': {
                'class': 'logging.handlers.TimedRotatingFileHandler',
                'filename': log_file,
                'when': 'midnight',
                'interval': 1,
                'backupCount': 2555,  # 7 years
                'formatter': 'json',
            },
        },
        'loggers': {
            '': {
                'handlers': ['console', 'file'],
                'level': log_level,
            },
        },
    })
